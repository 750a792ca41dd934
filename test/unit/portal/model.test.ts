import fc from "fast-check";
import { LOST_GROUP_ID, PortalModel, SYSTEM_GROUPS } from "../../../src/portal/model.js";
import { UserStatus } from "../../../src/portal/types.js";
import { compareVersions, moveBehaviourOf, parseVersion } from "../../../src/portal/version.js";
import { g, group, smallSeed, u, user } from "../../helpers/portal.js";

const portal = (version: string): PortalModel => new PortalModel(smallSeed(), { version });
const members = (model: PortalModel, n: number): string[] => [...(model.group(g(n))?.memberIds ?? [])].sort();
const sorted = (...ns: number[]): string[] => ns.map(u).sort();

describe("versions", () => {
  it.each([
    ["3.7.2", "move"],
    ["3.7.1", "move"],
    ["3.7.2.1234", "move"],
    ["4.0", "move"],
    ["3.7.0", "copy"],
    ["3.6.2", "copy"],
    ["3.1.0", "copy"],
    ["3.0.0", "copy"],
  ])("%s → %s", (version, behaviour) => {
    expect(moveBehaviourOf(parseVersion(version) ?? [])).toBe(behaviour);
  });

  it("compares part by part", () => {
    expect(compareVersions([3, 10], [3, 9, 9])).toBeGreaterThan(0);
    expect(parseVersion("not a version")).toBeNull();
  });
});

describe("the move on DocSpace 3.7.2 (moves)", () => {
  it("moves active and pending non-guests, drops guests, leaves disabled users, removes the manager role", () => {
    const model = portal("3.7.2");
    const result = model.move(g(1), g(2));
    expect(result.found).toBe(true);
    // Destination: its own members plus u1 (the ex-manager, now plain), u2, u5 (pending); u6 once.
    expect(members(model, 2)).toEqual(sorted(1, 2, 5, 6, 7));
    expect(model.group(g(2))?.managerId).toBe(u(7));
    // Source: kept, without manager; only the disabled user remains (the API hides them).
    expect(model.group(g(1))).toMatchObject({ name: "Sales EMEA", managerId: null, memberIds: [] });
    expect(model.allMemberIds(g(1))).toEqual([u(4)]);
    // The guest is in neither group.
    expect(model.group(g(2))?.memberIds).not.toContain(u(3));
  });

  it("answers with the destination group", () => {
    const result = portal("3.7.2").move(g(3), g(2));
    expect(result).toEqual({
      found: true,
      value: { id: g(2), name: "Sales", managerId: u(7), memberIds: [u(6), u(7), u(8)], isSystem: false },
    });
  });

  it("empties the group when from == to, manager included", () => {
    const model = portal("3.7.2");
    const result = model.move(g(2), g(2));
    expect(result).toMatchObject({ found: true, value: { memberIds: [], managerId: null } });
  });

  it("changes nothing when the source is empty", () => {
    const model = portal("3.7.2");
    model.move(g(4), g(3));
    expect(members(model, 3)).toEqual(sorted(8));
  });

  it("finds neither group when one is unknown, and changes nothing", () => {
    const model = portal("3.7.2");
    expect(model.move(g(1), g(99))).toEqual({ found: false, which: "group" });
    expect(model.move(g(99), g(1))).toEqual({ found: false, which: "group" });
    expect(members(model, 1)).toEqual(sorted(1, 2, 3, 5, 6));
  });

  it("treats a deleted group and the lost group as not found", () => {
    const model = portal("3.7.2");
    expect(model.removeGroup(g(3))).toBe(true);
    expect(model.group(g(3))).toBeNull();
    expect(model.move(g(3), g(2)).found).toBe(false);
    expect(model.group(LOST_GROUP_ID)).toBeNull();
    expect(model.listGroups().items.map((x) => x.name)).toEqual(["Empty", "Sales", "Sales EMEA"]);
  });

  it("lists every group by name, page by page, as groups are created, renamed and removed", () => {
    const model = portal("3.7.2");
    const names = (): string[] =>
      [0, 2].flatMap((startIndex) => model.listGroups({ startIndex, count: 2 }).items.map((x) => x.name));
    expect(names()).toEqual(["Empty", "Sales", "Sales EMEA", "Support"]);
    model.createGroup("99999999-0000-4000-8000-000000000001", "Accounts", null);
    expect(model.listGroups().items.map((x) => x.name)).toEqual([
      "Accounts",
      "Empty",
      "Sales",
      "Sales EMEA",
      "Support",
    ]);
    model.updateGroup("99999999-0000-4000-8000-000000000001", { groupName: "Zeta" });
    expect(model.listGroups({ startIndex: 4, count: 2 }).items.map((x) => x.name)).toEqual(["Zeta"]);
    expect(model.removeGroup("99999999-0000-4000-8000-000000000001")).toBe(true);
    expect(names()).toEqual(["Empty", "Sales", "Sales EMEA", "Support"]);
    expect(model.listGroups({ descending: true, count: 1 }).items.map((x) => x.name)).toEqual(["Support"]);
    // Listing in reverse leaves the order kept for the next listing as it was.
    expect(names()).toEqual(["Empty", "Sales", "Sales EMEA", "Support"]);
  });

  it("finds system groups by id but never lists them", () => {
    const model = portal("3.7.2");
    expect(model.group(SYSTEM_GROUPS.everyone.id.toUpperCase())).toMatchObject({
      name: "Everyone",
      isSystem: true,
    });
    expect(model.group(SYSTEM_GROUPS.guest.id)?.memberIds).toEqual([u(3)]);
    expect(model.listGroups({ filterValue: "everyone" }).total).toBe(0);
  });
});

describe("the move on DocSpace 3.6 (copies only)", () => {
  it("adds the same members to the destination and removes nobody from the source", () => {
    const model = portal("3.6.2");
    model.move(g(1), g(2));
    expect(members(model, 2)).toEqual(sorted(1, 2, 5, 6, 7));
    expect(model.group(g(1))).toMatchObject({ managerId: u(1) });
    expect(members(model, 1)).toEqual(sorted(1, 2, 3, 5, 6));
    expect(model.allMemberIds(g(1))).toContain(u(4));
  });

  it("leaves the group as it was when from == to", () => {
    const model = portal("3.6.2");
    model.move(g(2), g(2));
    expect(members(model, 2)).toEqual(sorted(6, 7));
    expect(model.group(g(2))?.managerId).toBe(u(7));
  });

  it("can be completed with DELETE /members: exactly the moved members, manager role included", () => {
    const model = portal("3.6.2");
    model.move(g(1), g(2));
    model.removeMembers(g(1), [u(1), u(2), u(5), u(6)]);
    expect(model.group(g(1))).toMatchObject({ managerId: null, memberIds: [u(3)] });
  });
});

describe("member edits (§8)", () => {
  it("adds idempotently, ignoring unknown users, guests and disabled users", () => {
    const model = portal("3.7.2");
    expect(model.addMembers(g(3), [u(8), u(2), u(99), u(3), u(4)])).toMatchObject({
      found: true,
      value: { memberIds: [u(8), u(2)] },
    });
  });

  it("removes only the listed users; unknown or non-member ids are no-ops", () => {
    const model = portal("3.7.2");
    model.removeMembers(g(2), [u(6), u(99), u(1)]);
    expect(members(model, 2)).toEqual(sorted(7));
    expect(model.group(g(2))?.managerId).toBe(u(7));
  });

  it("replaces all members", () => {
    const model = portal("3.7.2");
    model.setMembers(g(2), [u(8)]);
    expect(model.group(g(2))).toMatchObject({ memberIds: [u(8)], managerId: null });
  });

  it("sets a manager, who becomes a member, keeping the others", () => {
    const model = portal("3.7.2");
    expect(model.setManager(g(3), u(2))).toMatchObject({
      found: true,
      value: { managerId: u(2), memberIds: [u(8), u(2)] },
    });
    expect(model.setManager(g(3), u(99))).toEqual({ found: false, which: "user" });
    expect(model.setManager(g(99), u(2))).toEqual({ found: false, which: "group" });
  });

  it("updates name, members and manager together", () => {
    const model = portal("3.7.2");
    model.updateGroup(g(3), {
      groupName: "Support EU",
      membersToAdd: [u(2)],
      membersToRemove: [u(8)],
      groupManager: u(6),
    });
    expect(model.group(g(3))).toMatchObject({ name: "Support EU", managerId: u(6), memberIds: [u(2), u(6)] });
  });
});

describe("group list and people filter (§2)", () => {
  it("filters by case-insensitive substring and pages after sorting by name", () => {
    const model = portal("3.7.2");
    expect(model.listGroups({ filterValue: "  SALES " }).items.map((x) => x.name)).toEqual([
      "Sales",
      "Sales EMEA",
    ]);
    const page = model.listGroups({ startIndex: 1, count: 2 });
    expect(page.total).toBe(4);
    expect(page.items.map((x) => x.name)).toEqual(["Sales", "Sales EMEA"]);
    expect(model.listGroups({ sortBy: "membersCount", descending: true }).items[0]?.name).toBe("Sales EMEA");
    expect(model.listGroups({ userId: u(6) }).items.map((x) => x.name)).toEqual(["Sales", "Sales EMEA"]);
    expect(model.listGroups({ userId: u(7), manager: true }).items.map((x) => x.name)).toEqual(["Sales"]);
    // By the manager's name: none first, in the order the groups were made; then Olaf, then User 7.
    expect(model.listGroups({ sortBy: "manager" }).items.map((x) => x.name)).toEqual([
      "Support",
      "Empty",
      "Sales EMEA",
      "Sales",
    ]);
    expect(model.listGroups({ filterValue: "s", userId: u(6) }).items.map((x) => x.name)).toEqual([
      "Sales",
      "Sales EMEA",
    ]);
  });

  it("lists a group's people by status; terminated only when asked or unfiltered", () => {
    const model = portal("3.7.2");
    expect(model.people({ groupId: g(1), employeeStatus: 2 }).map((x) => x.id)).toEqual([u(4)]);
    expect(model.people({ groupId: g(1), employeeStatus: 1 }).map((x) => x.id)).toEqual([
      u(1),
      u(2),
      u(3),
      u(6),
    ]);
    expect(model.people({ groupId: g(1) })).toHaveLength(6);
  });

  it("round-trips through the seed format", () => {
    const model = portal("3.7.2");
    const again = new PortalModel(model.toSeed(), { version: "3.7.2" });
    expect(again.toSeed()).toEqual(model.toSeed());
    expect(
      new PortalModel({ users: [user(1)], groups: [group(1, [1])] }, { version: "3.7.2" }).group(g(1))
        ?.memberIds,
    ).toEqual([u(1)]);
  });
});

describe("a model assembled group by group (the preview's, from the preflight's reads)", () => {
  it("is the model a seed of the same users and groups makes: a user met twice keeps its first place and its last description", () => {
    const entry = fc.oneof(
      fc.record({
        kind: fc.constant("user" as const),
        n: fc.integer({ min: 0, max: 6 }),
        name: fc.constantFrom("Ann", "Bo", "Cy"),
        status: fc.constantFrom(UserStatus.Active, UserStatus.Pending, UserStatus.Disabled),
        isVisitor: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("group" as const),
        n: fc.integer({ min: 0, max: 4 }),
        manager: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
        members: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (entries) => {
        const asUser = (e: Extract<(typeof entries)[number], { kind: "user" }>) => ({
          id: u(e.n).toUpperCase(),
          displayName: e.name,
          email: `${e.name}@example.com`,
          status: e.status,
          isVisitor: e.isVisitor,
        });
        const asGroup = (e: Extract<(typeof entries)[number], { kind: "group" }>) => ({
          id: g(e.n),
          name: `G${e.n}`,
          managerId: e.manager === null ? null : u(e.manager),
          memberIds: e.members.map(u),
        });
        // The seed as fromSnapshots used to make it: each user once, first place, last description.
        const users = new Map<string, ReturnType<typeof asUser>>();
        for (const e of entries) if (e.kind === "user") users.set(e.n.toString(), asUser(e));
        const seeded = new PortalModel(
          {
            users: [...users.values()],
            groups: entries.flatMap((e) => (e.kind === "group" ? [asGroup(e)] : [])),
          },
          { version: "3.7.2" },
        );
        const assembled = PortalModel.assemble({ version: "3.7.2" }, (add) => {
          for (const e of entries) {
            if (e.kind === "user") add.user(asUser(e));
            else add.group(asGroup(e));
          }
        });
        expect(assembled.toSeed()).toEqual(seeded.toSeed());
        expect(assembled.behaviour).toBe(seeded.behaviour);
      }),
      { numRuns: 300, seed: 12 },
    );
  });
});
