import {
  Role,
  UserStatus,
  type Group,
  type Seed,
  type SeedRoom,
  type SeedRoomShare,
  type User,
} from "./types.js";
import { moveBehaviourOf, MoveBehaviour, parseVersion } from "./version.js";

/**
 * DocSpace's groups and users in memory, with the server's exact semantics. Pure: no I/O, no clock. The sandbox serves it over HTTP and the preview predicts with it.
 */

/** `Constants.SystemGroups`: found by id, never listed. */
export const SYSTEM_GROUPS = {
  everyone: { id: "c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e", name: "Everyone" },
  docSpaceAdmin: { id: "cd84e66b-b803-40fc-99f9-b2969a54a1de", name: "DocSpaceAdmin" },
  roomAdmin: { id: "abef62db-11a8-4673-9d32-ef1d8af19dc0", name: "RoomAdmin" },
  user: { id: "88f11e7c-7407-4bea-b4cb-070010cdbb6b", name: "User" },
  guest: { id: "aced04fa-dd96-4b35-af3e-346bf1eb972d", name: "Guest" },
} as const;
/** `LostGroupInfo`: what an unknown id resolves to; never found. */
export const LOST_GROUP_ID = "74b9cbd1-2412-4e79-9f36-7163583e9d3a";
export const SYSTEM_CATEGORY = "7717039d-fbe9-45ad-81c1-68a1aa10ce1f";
export const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

/** A group as the API shows it: members are the active and pending users (guests included). */
export interface GroupView {
  readonly id: string;
  readonly name: string;
  readonly managerId: string | null;
  readonly memberIds: readonly string[];
  readonly isSystem: boolean;
}

export type Lookup<T> = { found: true; value: T } | { found: false; which: "group" | "user" };

interface GroupState {
  id: string;
  name: string;
  managerId: string | null;
  /** Every `Contains` reference, in insertion order; disabled users stay here. */
  members: Set<string>;
  removed: boolean;
}

export interface GroupQuery {
  filterValue?: string;
  startIndex?: number;
  count?: number;
  sortBy?: string;
  descending?: boolean;
  userId?: string;
  manager?: boolean;
}

const lower = (id: string): string => id.toLowerCase();
const inMoveSet = (u: User): boolean => u.status === UserStatus.Active || u.status === UserStatus.Pending;

export class PortalModel {
  readonly version: string;
  readonly behaviour: MoveBehaviour;
  readonly #users = new Map<string, User>();
  readonly #groups = new Map<string, GroupState>();
  /** The groups not removed, by name; dropped whenever a group is added, renamed or removed. */
  #byName: GroupState[] | null = null;
  /** Rooms and their access rows (§10.8): member edits never touch these; deleting a group deletes its rows. */
  readonly #rooms = new Map<number, { title: string; shares: SeedRoomShare[] }>();

  constructor(seed: Seed, options: { version: string }) {
    const version = parseVersion(options.version);
    if (version === null) throw new Error(`not a DocSpace version: ${options.version}`);
    this.version = options.version;
    this.behaviour = moveBehaviourOf(version);
    for (const user of seed.users) this.#seedUser(user);
    for (const group of seed.groups) this.#seedGroup(group);
    for (const room of seed.rooms ?? []) {
      this.#rooms.set(room.id, {
        title: room.title,
        shares: room.shares.map((share) => ({ ...share, id: lower(share.id) })),
      });
    }
  }

  /**
   * A model filled as `fill` hands its users and groups over, in any interleaving: the same model as one
   * built from a seed listing them (a user given twice keeps its first place and its last description),
   * without a seed copy of everyone held while it is built.
   */
  static assemble(
    options: { version: string },
    fill: (add: { user(user: User): void; group(group: Group): void }) => void,
  ): PortalModel {
    const model = new PortalModel({ users: [], groups: [] }, options);
    fill({
      user: (user) => {
        model.#seedUser(user);
      },
      group: (group) => {
        model.#seedGroup(group);
      },
    });
    return model;
  }

  #seedUser(user: User): void {
    this.#users.set(lower(user.id), { ...user, id: lower(user.id) });
  }

  #seedGroup(group: Group): void {
    this.#groups.set(lower(group.id), {
      id: lower(group.id),
      name: group.name,
      managerId: group.managerId === null ? null : lower(group.managerId),
      members: new Set(group.memberIds.map(lower)),
      removed: false,
    });
  }

  /** Every room, in id order. */
  rooms(): { id: number; title: string }[] {
    return [...this.#rooms.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, room]) => ({ id, title: room.title }));
  }

  /** A room's access rows, or null when there is no such room. */
  roomShares(id: number): readonly SeedRoomShare[] | null {
    return this.#rooms.get(id)?.shares ?? null;
  }

  user(id: string): User | undefined {
    return this.#users.get(lower(id));
  }

  get users(): readonly User[] {
    return [...this.#users.values()];
  }

  /** `GetGroupInfoAsync`: unknown, removed and the lost group are not found; system groups are. */
  group(id: string): GroupView | null {
    const key = lower(id);
    const system = Object.values(SYSTEM_GROUPS).find((g) => g.id === key);
    if (system !== undefined) {
      return {
        id: system.id,
        name: system.name,
        managerId: null,
        memberIds: this.#systemMembers(system.id),
        isSystem: true,
      };
    }
    const state = this.#groups.get(key);
    if (state === undefined || state.removed || key === LOST_GROUP_ID) return null;
    return this.#view(state);
  }

  /** Every member reference of a user group, disabled users included (not what the API shows). */
  allMemberIds(id: string): readonly string[] {
    return [...(this.#groups.get(lower(id))?.members ?? [])];
  }

  /** DocSpace's group list: user groups only, never system or removed ones; paged after sorting. */
  listGroups(query: GroupQuery = {}): { items: GroupView[]; total: number } {
    const text = query.filterValue?.trim().toLowerCase() ?? "";
    const sortBy = query.sortBy?.toLowerCase();
    const byName = sortBy !== "memberscount" && sortBy !== "manager";
    // By name, the groups are sorted once (not once a page or a search) and filtered in that order.
    let groups = byName
      ? (this.#byName ??= [...this.#groups.values()]
          .filter((g) => !g.removed)
          .sort((a, b) => a.name.localeCompare(b.name)))
      : [...this.#groups.values()].filter((g) => !g.removed);
    if (text !== "") groups = groups.filter((g) => g.name.toLowerCase().includes(text));
    if (query.userId !== undefined) {
      const userId = lower(query.userId);
      groups = groups.filter((g) =>
        query.manager === true ? g.managerId === userId : g.members.has(userId),
      );
    }
    if (sortBy === "memberscount") {
      const counts = new Map(groups.map((g) => [g, this.#view(g).memberIds.length]));
      groups.sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0));
    } else if (sortBy === "manager") {
      const manager = (g: GroupState): string =>
        g.managerId === null ? "" : (this.user(g.managerId)?.displayName ?? "");
      groups.sort((a, b) => manager(a).localeCompare(manager(b)));
    }
    if (query.descending === true) groups = groups.toReversed();
    const start = Math.max(0, query.startIndex ?? 0);
    const page = groups.slice(start, start + (query.count ?? 100));
    return { items: page.map((g) => this.#view(g)), total: groups.length };
  }

  /**
   * DocSpace's move (`moveMembersTo`). Source first, then
   * destination, both before anything changes. Each active or pending member is added to the destination
   * unless a guest (an upsert: existing members stay once); from v3.7.1 each is then removed from the
   * source, guests included, and a manager loses the role. `from == to` therefore empties the group.
   */
  move(fromId: string, toId: string): Lookup<GroupView> {
    const from = this.group(fromId);
    if (from === null) return { found: false, which: "group" };
    const to = this.group(toId);
    if (to === null) return { found: false, which: "group" };
    const source = this.#groups.get(from.id);
    const destination = this.#groups.get(to.id);
    const movers = (source === undefined ? from.memberIds : [...source.members])
      .map((id) => this.#users.get(id))
      .filter((u): u is User => u !== undefined && inMoveSet(u));
    for (const user of movers) {
      if (!user.isVisitor && destination !== undefined) destination.members.add(user.id);
      if (this.behaviour === MoveBehaviour.Move && source !== undefined) {
        source.members.delete(user.id);
        if (source.managerId === user.id) source.managerId = null;
      }
    }
    return { found: true, value: this.group(to.id) as GroupView };
  }

  /** `PUT /group/{id}/members`: adds like the move does (no guests, no disabled users); unknown ids are ignored. */
  addMembers(id: string, userIds: readonly string[]): Lookup<GroupView> {
    const group = this.#userGroup(id);
    if (group === null) return { found: false, which: "group" };
    for (const userId of userIds) {
      const user = this.user(userId);
      if (user !== undefined && !user.isVisitor && user.status !== UserStatus.Disabled)
        group.members.add(user.id);
    }
    return { found: true, value: this.#view(group) };
  }

  /** `DELETE /group/{id}/members`: removes the listed users; a listed manager loses the role. */
  removeMembers(id: string, userIds: readonly string[]): Lookup<GroupView> {
    const group = this.#userGroup(id);
    if (group === null) return { found: false, which: "group" };
    for (const userId of userIds.map(lower)) {
      group.members.delete(userId);
      if (group.managerId === userId) group.managerId = null;
    }
    return { found: true, value: this.#view(group) };
  }

  /** `POST /group/{id}/members`: replaces every member (the manager reference goes if they are not kept). */
  setMembers(id: string, userIds: readonly string[]): Lookup<GroupView> {
    const group = this.#userGroup(id);
    if (group === null) return { found: false, which: "group" };
    group.members.clear();
    const result = this.addMembers(id, userIds);
    if (group.managerId !== null && !group.members.has(group.managerId)) group.managerId = null;
    return result;
  }

  /** `PUT /group/{id}/manager`: the user becomes manager and a member; others stay. */
  setManager(id: string, userId: string): Lookup<GroupView> {
    const group = this.#userGroup(id);
    if (group === null) return { found: false, which: "group" };
    const user = this.user(userId);
    if (user === undefined) return { found: false, which: "user" };
    group.members.add(user.id);
    group.managerId = user.id;
    return { found: true, value: this.#view(group) };
  }

  /** `PUT /group/{id}`: rename, add and remove members, set the manager. */
  updateGroup(
    id: string,
    change: {
      groupName?: string;
      membersToAdd?: readonly string[];
      membersToRemove?: readonly string[];
      groupManager?: string;
    },
  ): Lookup<GroupView> {
    const group = this.#userGroup(id);
    if (group === null) return { found: false, which: "group" };
    if (change.groupName !== undefined && change.groupName.trim() !== "") {
      group.name = change.groupName.trim();
      this.#byName = null;
    }
    this.addMembers(id, change.membersToAdd ?? []);
    this.removeMembers(id, change.membersToRemove ?? []);
    if (change.groupManager !== undefined) {
      const result = this.setManager(id, change.groupManager);
      if (!result.found) return result;
    }
    return { found: true, value: this.#view(group) };
  }

  /**
   * `POST /group`: a new group (duplicate names are accepted). From v3.7.1 an unknown, disabled or guest
   * manager refuses the whole request; before, such a manager is silently skipped.
   */
  createGroup(id: string, name: string, managerId: string | null): Lookup<GroupView> {
    const manager = managerId === null ? undefined : this.user(managerId);
    const valid = manager !== undefined && !manager.isVisitor && manager.status !== UserStatus.Disabled;
    if (managerId !== null && !valid && this.behaviour === MoveBehaviour.Move)
      return { found: false, which: "user" };
    const state: GroupState = {
      id: lower(id),
      name,
      managerId: valid ? manager.id : null,
      members: new Set(valid ? [manager.id] : []),
      removed: false,
    };
    this.#groups.set(state.id, state);
    this.#byName = null;
    return { found: true, value: this.#view(state) };
  }

  /** Marks a group deleted: DocSpace keeps the row, but every lookup says not found. */
  removeGroup(id: string): boolean {
    const group = this.#groups.get(lower(id));
    if (group === undefined || group.removed) return false;
    group.removed = true;
    this.#byName = null;
    // §10.7: the group's share rows are hard-deleted with it.
    for (const room of this.#rooms.values())
      room.shares = room.shares.filter((share) => share.subject !== "group" || share.id !== group.id);
    return true;
  }

  /**
   * `GET /people/filter?groupId=…`: the group's users with the given status; without one, terminated
   * users are included (as for an admin caller). Unknown groups give an empty list.
   */
  people(query: { groupId?: string; employeeStatus?: number }): User[] {
    const ids =
      query.groupId === undefined
        ? [...this.#users.keys()]
        : (this.group(query.groupId)?.isSystem ?? false)
          ? this.#systemMembers(lower(query.groupId))
          : this.allMemberIds(query.groupId);
    return ids
      .map((id) => this.#users.get(id))
      .filter((u): u is User => u !== undefined)
      .filter((u) => query.employeeStatus === undefined || statusMatches(u.status, query.employeeStatus));
  }

  /** The current state in the seed format: what `snapshot` writes and the sandbox loads. */
  toSeed(): Seed {
    const rooms = [...this.#rooms.entries()].map(([id, room]): SeedRoom => ({
      id,
      title: room.title,
      shares: room.shares,
    }));
    return {
      users: this.users,
      groups: [...this.#groups.values()]
        .filter((g) => !g.removed)
        .map((g): Group => ({ id: g.id, name: g.name, managerId: g.managerId, memberIds: [...g.members] })),
      ...(rooms.length === 0 ? {} : { rooms }),
    };
  }

  #userGroup(id: string): GroupState | null {
    const view = this.group(id);
    return view === null || view.isSystem ? null : (this.#groups.get(view.id) ?? null);
  }

  #view(state: GroupState): GroupView {
    return {
      id: state.id,
      name: state.name,
      managerId: state.managerId,
      memberIds: [...state.members].filter((id) => {
        const user = this.#users.get(id);
        return user !== undefined && inMoveSet(user);
      }),
      isSystem: false,
    };
  }

  /** System groups hold users by type; the seed format knows guests and everyone else. */
  #systemMembers(id: string): string[] {
    const active = this.users.filter(inMoveSet);
    if (id === SYSTEM_GROUPS.everyone.id) return active.map((u) => u.id);
    if (id === SYSTEM_GROUPS.guest.id) return active.filter((u) => u.isVisitor).map((u) => u.id);
    if (id === SYSTEM_GROUPS.user.id) return active.filter((u) => !u.isVisitor).map((u) => u.id);
    return [];
  }
}

/** `employeeStatus` 5 = active | pending... DocSpace's flags: 1 active, 2 terminated, 4 pending, combinable. */
const statusMatches = (status: number, filter: number): boolean => (status & filter) !== 0;

/** What a key's user may do with groups. */
export const mayWriteGroups = (role: Role): boolean => role === Role.Owner || role === Role.Admin;
export const mayReadGroups = (role: Role): boolean => mayWriteGroups(role) || role === Role.RoomAdmin;
