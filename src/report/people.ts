import type { MemberInfo, SelfInfo } from "../portal/port.js";
import { PackedStrings } from "../hash.js";
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
 * Only the ids are kept: each person is looked up in `directory` when the record is read (the JSON
 * report, its views), so a long run's report does not hold everyone at once. The record is read-only and
 * lists its keys as a plain object would (integer-like ids first, the rest in the order first named).
 */
export function peopleOf(
  moves: readonly MoveResult[],
  directory: PeopleLookup,
  keyUser: string | null,
  more: readonly string[] = [],
): Readonly<Record<string, Person>> {
  // Packed (each id is read again from disk with its move's result: a string of its own otherwise).
  const ids = new PackedStrings();
  // Move by move, not one list of every id first (six or more a move in a long run).
  for (const move of moves) for (const id of idsOf(move)) ids.add(id);
  for (const id of more) ids.add(id);
  if (keyUser !== null) ids.add(keyUser);
  return recordOf(
    ids,
    (id) => directory.get(id) ?? { displayName: null, email: null, type: null, status: null },
  );
}

/** Where a people record gives its ids in order, without being asked for its keys. */
const KEYS: unique symbol = Symbol("the record's keys in order");

/**
 * An object's own enumerable keys, in order: a people record gives its ids itself, one at a time. Asking
 * a Proxy for its keys (`Object.keys`) makes V8 copy the list through memory it keeps: about 140 bytes an
 * id that stayed with the process, 28 MB for 200,000 people.
 */
export function keysOf(record: object): Iterable<string> {
  const own = (record as { readonly [KEYS]?: unknown })[KEYS];
  return typeof own === "function" ? (own as () => Iterable<string>)() : Object.keys(record);
}

/** An id JavaScript lists first among an object's keys (an array index), in ascending order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** A read-only record of `keys`, each value made by `value` when it is read. */
function recordOf<V>(
  keys: { has(key: string): boolean; [Symbol.iterator](): Iterator<string> },
  value: (key: string) => V,
): Readonly<Record<string, V>> {
  const refuse = (): never => {
    throw new TypeError("the report's people are read-only");
  };
  // Array indexes first, in ascending order, then the rest as added: as a plain object lists its keys.
  function* ordered(): Generator<string> {
    const indexes: string[] = [];
    for (const k of keys) if (ARRAY_INDEX.test(k) && Number(k) < 2 ** 32 - 1) indexes.push(k);
    if (indexes.length === 0) {
      yield* keys;
      return;
    }
    const first = new Set(indexes.sort((a, b) => Number(a) - Number(b)));
    yield* first;
    for (const k of keys) if (!first.has(k)) yield k;
  }
  // (the target stays empty: the record's own keys are the ids; its prototype is Object's, as a plain record's is)
  return new Proxy<Record<string, V>>(
    {},
    {
      get: (target, key, receiver) =>
        typeof key === "string" && keys.has(key)
          ? value(key)
          : key === KEYS
            ? ordered
            : (Reflect.get(target, key, receiver) as unknown),
      has: (target, key) => (typeof key === "string" && keys.has(key)) || Reflect.has(target, key),
      ownKeys: () => [...ordered()],
      // (an accessor: listing the keys, which asks whether each is enumerable, looks no one up)
      getOwnPropertyDescriptor: (target, key) =>
        typeof key === "string" && keys.has(key)
          ? { get: () => value(key), enumerable: true, configurable: true }
          : Reflect.getOwnPropertyDescriptor(target, key),
      set: refuse,
      defineProperty: refuse,
      deleteProperty: refuse,
    },
  );
}
