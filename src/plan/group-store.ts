import type { GroupSnapshot, MemberInfo, SelfInfo } from "../portal/port.js";
import type { PeopleKnown } from "../report/people.js";
import { RecordSpool, type SpoolOptions } from "../state/spool.js";
import { grownTo, HashIndex, HashLists, hashOf } from "../hash.js";

/** What the engine does with the groups it is given: reads one, keeps a newer one, lets one go. */
export interface GroupState {
  get(id: string): GroupSnapshot | undefined;
  set(id: string, group: GroupSnapshot): unknown;
  delete(id: string): boolean;
}

/**
 * The groups a preflight read, by id, kept in a `RecordSpool` (on disk) rather than in memory, and read
 * again each time one is asked for: a plan of 100,000 moves reads 200,000 groups and everyone in them,
 * which held in memory cost more than the rest of the run. Only each id's place in the spool, and each
 * member's, stays in memory. A Map to its readers (each read is a fresh copy: change one by `set`).
 */
export class GroupStore implements ReadonlyMap<string, GroupSnapshot>, GroupState {
  readonly #options: SpoolOptions;
  /** Made when the first group is kept. */
  #records: RecordSpool<GroupSnapshot> | null = null;
  /** Each group's record, by id. */
  #slots = new Slots();
  /**
   * The records of the groups read that name each person (as member or manager), the last read first, by
   * a hash of the person's id (a small number: no copy of each id kept); a record is checked when read.
   */
  #people = new HashLists();
  /** A fork shares its store's records and people and keeps its own ids; it adds nobody to the people. */
  #indexesPeople = true;
  /** The record `person` read last. */
  #personRead: { readonly slot: number; readonly group: GroupSnapshot | undefined } | null = null;

  constructor(groups: Iterable<readonly [string, GroupSnapshot]> = [], options: SpoolOptions = {}) {
    this.#options = options;
    for (const [id, group] of groups) this.set(id, group);
  }

  /**
   * The groups, handed on to be changed (`set`, `delete`): this store is left with none, and still knows
   * the people its groups named as they were read.
   */
  take(): GroupStore {
    const taken = this.#sharing(this.#slots);
    this.#slots = new Slots();
    return taken;
  }

  /** A store of the same groups to change (`set`, `delete`) without changing this one. */
  fork(): GroupStore {
    return this.#sharing(this.#slots.copy());
  }

  /** A store of these records and people with the given ids; it adds nobody to the people. */
  #sharing(slots: Slots): GroupStore {
    const store = new GroupStore([], this.#options);
    store.#records = this.#records;
    store.#slots = slots;
    store.#people = this.#people;
    store.#indexesPeople = false;
    return store;
  }

  get size(): number {
    return this.#slots.size;
  }

  get(id: string): GroupSnapshot | undefined {
    const slot = this.#slots.get(id);
    return slot === undefined ? undefined : this.#records?.get(slot);
  }

  has(id: string): boolean {
    return this.#slots.get(id) !== undefined;
  }

  set(id: string, group: GroupSnapshot): this {
    this.#records ??= new RecordSpool<GroupSnapshot>(this.#options);
    const slot = this.#records.append(group);
    this.#slots.set(id, slot);
    if (this.#indexesPeople) {
      const people = this.#people;
      if (group.manager !== undefined) people.add(hashOf(group.manager.id), slot);
      for (const member of group.members) people.add(hashOf(member.id), slot);
    }
    return this;
  }

  delete(id: string): boolean {
    return this.#slots.delete(id);
  }

  /** The person as the last group read that names them describes them (its member entry first). */
  person(id: string): MemberInfo | undefined {
    // (the last read first; a record under the same hash may name someone else)
    for (const slot of this.#people.under(hashOf(id))) {
      // A group's people are mostly asked for one after another: its record is read once for them all
      // (a record under a slot never changes: a newer group is kept under a new one).
      if (this.#personRead?.slot !== slot) this.#personRead = { slot, group: this.#records?.get(slot) };
      const group = this.#personRead.group;
      const found =
        group?.members.find((m) => m.id === id) ?? (group?.manager?.id === id ? group.manager : undefined);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  *keys(): MapIterator<string> {
    for (const [id] of this.#slots.entries()) yield id;
  }

  *entries(): MapIterator<[string, GroupSnapshot]> {
    for (const [id, slot] of this.#slots.entries()) yield [id, this.#records?.get(slot) as GroupSnapshot];
  }

  *values(): MapIterator<GroupSnapshot> {
    for (const [, group] of this.entries()) yield group;
  }

  [Symbol.iterator](): MapIterator<[string, GroupSnapshot]> {
    return this.entries();
  }

  forEach(
    callback: (value: GroupSnapshot, key: string, map: ReadonlyMap<string, GroupSnapshot>) => void,
    thisArg?: unknown,
  ): void {
    for (const [id, group] of this.entries()) callback.call(thisArg, group, id, this);
  }

  get [Symbol.toStringTag](): string {
    return "GroupStore";
  }
}

/**
 * A store's ids, each with its group's record: in the order first kept, as a Map keeps its keys (each id
 * once in a list, its record's number beside it, the index from id to place in typed arrays: a Map of
 * 200,000 ids was 7 MB).
 */
class Slots {
  readonly #ids: (string | undefined)[];
  #slots: Int32Array<ArrayBuffer>;
  readonly #index: HashIndex;

  constructor(ids: (string | undefined)[] = [], slots = new Int32Array(8), index?: HashIndex) {
    this.#ids = ids;
    this.#slots = slots;
    const keyOf = (at: number): string | undefined => ids[at];
    this.#index = index === undefined ? new HashIndex(keyOf) : index.copy(keyOf);
  }

  get size(): number {
    return this.#index.size;
  }

  get(id: string): number | undefined {
    const at = this.#index.get(id);
    return at === undefined ? undefined : this.#slots[at];
  }

  set(id: string, slot: number): void {
    const at = this.#index.get(id);
    if (at !== undefined) {
      this.#slots[at] = slot;
      return;
    }
    const end = this.#ids.length;
    if (end === this.#slots.length) this.#slots = grownTo(this.#slots, 2 * end);
    this.#ids.push(id);
    this.#slots[end] = slot;
    this.#index.set(id, end);
  }

  delete(id: string): boolean {
    const at = this.#index.get(id);
    if (at === undefined) return false;
    this.#index.delete(id);
    this.#ids[at] = undefined;
    return true;
  }

  *entries(): Generator<[string, number]> {
    const ids = this.#ids;
    for (let at = 0; at < ids.length; at++) {
      const id = ids[at];
      if (id !== undefined) yield [id, this.#slots[at] as number];
    }
  }

  copy(): Slots {
    return new Slots(this.#ids.slice(), this.#slots.slice(), this.#index);
  }
}

/** The same groups, to change without changing these: a fork of a store, a copy of a Map. */
export function groupsToChange(groups: ReadonlyMap<string, GroupSnapshot>): GroupState {
  return groups instanceof GroupStore ? groups.fork() : new Map(groups);
}

/**
 * The groups handed on to be changed: a store's own (it is left with none, and still knows their people);
 * a copy of a Map.
 */
export function handedOn(groups: ReadonlyMap<string, GroupSnapshot>): GroupState {
  return groups instanceof GroupStore ? groups.take() : new Map(groups);
}

/**
 * Everyone a preflight's reads described, by id: the key's user, then each group's manager and members
 * (the last read of a person wins). From a store, each is read again when asked for.
 */
export function peopleRead(preflight: {
  readonly self: SelfInfo | null;
  readonly groups: ReadonlyMap<string, GroupSnapshot>;
}): PeopleKnown {
  const { self, groups } = preflight;
  if (groups instanceof GroupStore)
    return { get: (id) => groups.person(id) ?? (self !== null && self.id === id ? self : undefined) };
  const read = new Map<string, MemberInfo | SelfInfo>();
  if (self !== null) read.set(self.id, self);
  for (const group of groups.values()) {
    if (group.manager !== undefined) read.set(group.manager.id, group.manager);
    for (const member of group.members) read.set(member.id, member);
  }
  return read;
}
