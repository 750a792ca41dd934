import type { Group, Seed, User } from "../../src/portal/types.js";

/** Readable ids: u(1) is a user, g(1) a group. */
export const u = (n: number): string => `11111111-0000-4000-8000-${n.toString().padStart(12, "0")}`;
export const g = (n: number): string => `22222222-0000-4000-8000-${n.toString().padStart(12, "0")}`;

export const user = (n: number, extra: Partial<User> = {}): User => ({
  id: u(n),
  displayName: `User ${n}`,
  email: `user${n}@example.com`,
  status: 1,
  isVisitor: false,
  ...extra,
});

export const group = (
  n: number,
  members: number[],
  managerN: number | null = null,
  name = `Group ${n}`,
): Group => ({
  id: g(n),
  name,
  managerId: managerN === null ? null : u(managerN),
  memberIds: members.map(u),
});

/**
 * A small portal: g1 "Sales EMEA" (manager u1; u2 active, u3 guest, u4 disabled, u5 pending, u6 also in g2),
 * g2 "Sales" (manager u7; u6, u7), g3 "Support" (u8), g4 "Empty".
 */
export const smallSeed = (): Seed => ({
  users: [
    user(1, { displayName: "Olaf Svensson" }),
    user(2),
    user(3, { isVisitor: true }),
    user(4, { status: 2 }),
    user(5, { status: 4 }),
    user(6),
    user(7),
    user(8),
  ],
  groups: [
    group(1, [1, 2, 3, 4, 5, 6], 1, "Sales EMEA"),
    group(2, [6, 7], 7, "Sales"),
    group(3, [8], null, "Support"),
    group(4, [], null, "Empty"),
  ],
});
