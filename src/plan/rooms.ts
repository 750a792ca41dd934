import { eachBounded } from "../bounded.js";
import {
  PortalError,
  type GroupSnapshot,
  type Portal,
  type RoomShare,
  type RoomSummary,
} from "../portal/port.js";
import type { RoomAccessChange, RoomRole, RoomsReport } from "../report/types.js";

/**
 * Room access in the preview (`--rooms`). DocSpace computes a person's access to a room on every
 * request from their current groups (docspace-api.md §10.8): no member edit touches a room's access
 * rows, so a move silently takes away the rooms people reached only through the source group and
 * grants the destination's. This reads each room's rows once and compares, person by person, the
 * access their groups give before and after the plan.
 */

/** DocSpace's `FileShare` numbers in the report's words; 0 (none) and 3 (restrict) give no access. */
const ROLE: Readonly<Record<number, string>> = {
  1: "full-access",
  2: "read",
  5: "review",
  6: "comment",
  7: "fill-forms",
  8: "custom-filter",
  9: "room-manager",
  10: "editing",
  11: "content-creator",
};

/**
 * Among several group rows the strongest role wins, in `FileShareRecord.ShareComparer`'s order:
 * room manager > content creator > editing > fill forms > review > comment > read (§10.8).
 * Roles a group cannot hold in a room come after those.
 */
const STRENGTH = [9, 11, 10, 7, 5, 6, 2, 1, 8];
const strength = (access: number): number => {
  const i = STRENGTH.indexOf(access);
  return i === -1 ? STRENGTH.length : i;
};

export const roleName = (access: number): string | null => ROLE[access] ?? null;

export interface RoomRead extends RoomSummary {
  readonly shares: readonly RoomShare[];
}

/**
 * The role a person holds in a room through their rows: a direct row always wins, even a weaker
 * one or a restriction (§10.8 precedence); otherwise the strongest row of a group they are in.
 * Null: no access.
 */
export function accessIn(room: RoomRead, userId: string, groups: ReadonlySet<string>): string | null {
  let best: number | null = null;
  for (const share of room.shares) {
    if (share.subject === "user") {
      if (share.id === userId) return roleName(share.access);
      continue;
    }
    if (!groups.has(share.id) || roleName(share.access) === null) continue;
    if (best === null || strength(share.access) < strength(best)) best = share.access;
  }
  return best === null ? null : roleName(best);
}

/** What the room computation needs of the plan: each move's groups, and the groups before and after. */
export interface RoomPlan {
  readonly moves: readonly { readonly id: string; readonly from: string; readonly to: string }[];
  /** Members of every group a room is shared with, before the plan. */
  readonly before: ReadonlyMap<string, readonly string[]>;
  /** The same groups after the plan (those the plan leaves alone are as before). */
  readonly after: ReadonlyMap<string, readonly string[]>;
}

/** Pure: the report's `rooms` from the rooms read and the groups before and after. */
export function roomImpact(rooms: readonly RoomRead[], plan: RoomPlan): RoomsReport {
  const rolesOf = (groupId: string): RoomRole[] =>
    rooms.flatMap((room) => {
      const role = accessIn(room, "", new Set([groupId]));
      return role === null ? [] : [{ room: room.id, title: room.title, access: role }];
    });
  const moves = plan.moves.map((m) => ({ id: m.id, source: rolesOf(m.from), destination: rolesOf(m.to) }));

  const groupsOf = (members: ReadonlyMap<string, readonly string[]>): Map<string, Set<string>> => {
    const byPerson = new Map<string, Set<string>>();
    for (const [groupId, ids] of members) {
      for (const id of ids) {
        const set = byPerson.get(id) ?? new Set<string>();
        set.add(groupId);
        byPerson.set(id, set);
      }
    }
    return byPerson;
  };
  const before = groupsOf(plan.before);
  const after = groupsOf(plan.after);
  const none = new Set<string>();
  const changes: RoomAccessChange[] = [];
  const people = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const person of people) {
    const was = before.get(person) ?? none;
    const is = after.get(person) ?? none;
    if (was.size === is.size && [...was].every((g) => is.has(g))) continue;
    for (const room of rooms) {
      const from = accessIn(room, person, was);
      const to = accessIn(room, person, is);
      if (from !== to) changes.push({ person, room: room.id, title: room.title, before: from, after: to });
    }
  }
  return { read: rooms.length, moves, people: changes };
}

/** Every room the key sees with its rows, in the list's order: one read per room (GET only). */
export async function readRoomShares(portal: Portal): Promise<RoomRead[]> {
  const list = await portal.listRooms();
  const rooms = new Array<RoomRead>(list.length);
  await eachBounded(list.keys(), async (i) => {
    const room = list[i] as RoomSummary;
    rooms[i] = { ...room, shares: await portal.roomShares(room.id) };
  });
  return rooms;
}

/**
 * The rooms and their rows, and every group a room is shared with that the preflight did not read
 * (one read each): GET only, through the governor.
 */
export async function readRooms(
  portal: Portal,
  known: ReadonlyMap<string, GroupSnapshot>,
): Promise<{ rooms: RoomRead[]; groups: Map<string, GroupSnapshot> }> {
  const rooms = await readRoomShares(portal);
  const shared = new Set(
    rooms.flatMap((r) => r.shares.filter((s) => s.subject === "group").map((s) => s.id)),
  );
  const groups = new Map<string, GroupSnapshot>();
  await eachBounded(shared, async (id) => {
    const read = known.get(id);
    if (read !== undefined) {
      groups.set(id, read);
      return;
    }
    try {
      groups.set(id, await portal.group(id));
    } catch (err) {
      // A group deleted since the rows were read has no rows any more (§10.7).
      if (!(err instanceof PortalError && err.notFound)) throw err;
    }
  });
  return { rooms, groups };
}
