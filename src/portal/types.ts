/** DocSpace's numbers: 1 active, 2 terminated (disabled), 4 pending. */
export const UserStatus = { Active: 1, Disabled: 2, Pending: 4 } as const;
export type UserStatus = (typeof UserStatus)[keyof typeof UserStatus];

export interface User {
  readonly id: string;
  readonly displayName: string;
  readonly email: string;
  readonly status: UserStatus;
  /** A guest: DocSpace never puts guests into groups. */
  readonly isVisitor: boolean;
}

export interface Group {
  readonly id: string;
  readonly name: string;
  readonly managerId: string | null;
  /** Every member reference, disabled users included (the API hides those). */
  readonly memberIds: readonly string[];
}

/** Roles that decide what a key's user may do. */
export const Role = {
  Owner: "owner",
  Admin: "admin",
  RoomAdmin: "roomAdmin",
  User: "user",
  Guest: "guest",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface SeedApiKey {
  readonly key: string;
  /** Empty or `["*"]` = full access (`*:write`). */
  readonly scopes: readonly string[];
  readonly role?: Role;
  readonly expiresAt?: string;
}

/** One access row of a room: a person or a group, with DocSpace's `FileShare` number. */
export interface SeedRoomShare {
  readonly subject: "user" | "group";
  readonly id: string;
  readonly access: number;
  readonly owner?: boolean;
}

export interface SeedRoom {
  readonly id: number;
  readonly title: string;
  readonly shares: readonly SeedRoomShare[];
}

/** The sandbox seed file and `snapshot`'s output. */
export interface Seed {
  readonly users: readonly User[];
  readonly groups: readonly Group[];
  readonly apiKeys?: readonly SeedApiKey[];
  readonly rooms?: readonly SeedRoom[];
}
