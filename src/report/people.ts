import type { MemberInfo, SelfInfo } from "../portal/port.js";
import type { MoveResult, Person } from "./types.js";

/** DocSpace's status numbers in the report's words (1 active, 2 disabled, 4 pending). */
const STATUS: Readonly<Record<number, Person["status"]>> = { 1: "active", 2: "disabled", 4: "pending" };

export function personOf(info: MemberInfo | SelfInfo): Person {
  return {
    displayName: info.displayName,
    email: info.email ?? null,
    type: info.isVisitor ? "guest" : "user",
    status: "status" in info ? (STATUS[info.status] ?? "active") : "active",
  };
}

/** Every user id a move result names, in the order it names them. */
export function idsOf(move: MoveResult): string[] {
  const ids: string[] = [];
  const add = (id: string | null | undefined): void => {
    if (typeof id === "string") ids.push(id);
  };
  if (move.before !== null) {
    move.before.source.forEach(add);
    move.before.destination.forEach(add);
    add(move.before.sourceManager);
  }
  for (const list of [move.moved, move.alreadyInDestination, move.droppedGuests, move.guestsLeftInSource])
    list.forEach(add);
  add(move.managerRemoved);
  add(move.managerSet);
  add(move.managerBefore);
  if (move.preview !== undefined) {
    move.preview.sourceMembersAfter.forEach(add);
    move.preview.destinationMembersAfter.forEach(add);
    move.preview.disabledLeftBehind.forEach(add);
    add(move.preview.sourceManagerAfter);
    add(move.preview.destinationManagerAfter);
  }
  return ids;
}

/** Who a user id is as the portal described them (a Map is one). */
export interface PeopleKnown {
  get(id: string): MemberInfo | SelfInfo | undefined;
}

/** Who a user id is, as far as a command knows (a Map is one). */
export interface PeopleLookup {
  get(id: string): Person | undefined;
}

/**
 * People as the portal described them, each made into the report's Person only when asked for (no
 * second copy of everyone); whoever `known` does not describe is looked up in `otherwise`.
 */
export function peopleLookup(known: PeopleKnown, otherwise?: PeopleLookup): PeopleLookup {
  return {
    get: (id) => {
      const info = known.get(id);
      return info === undefined ? otherwise?.get(id) : personOf(info);
    },
  };
}

/**
 * The report's `people`: everyone it names (and the key's user), as the portal described them. Someone
 * the reads did not describe (a guest the move dropped, known only by id) is listed without a name.
 */
export function peopleOf(
  moves: readonly MoveResult[],
  directory: PeopleLookup,
  keyUser: string | null,
  more: readonly string[] = [],
): Record<string, Person> {
  const people: Record<string, Person> = {};
  // Move by move, not one list of every id first (six or more a move in a long run).
  const add = (id: string): void => {
    if (Object.hasOwn(people, id)) return;
    people[id] = directory.get(id) ?? { displayName: null, email: null, type: null, status: null };
  };
  for (const move of moves) idsOf(move).forEach(add);
  more.forEach(add);
  if (keyUser !== null) add(keyUser);
  return people;
}
