/**
 * A string as a small number (FNV-1a, 30 bits): a key for a table of typed arrays, or for a Map that then
 * keeps no copy of the string. Different strings may share one: a reader checks what it finds.
 */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash & 0x3fffffff;
}

const EMPTY = -1;
const DELETED = -2;

/**
 * Where each string is, by the string: an open-addressed table of numbers (`0 ≤ n < 2³¹`), each found
 * again by its string through `keyOf`, so the table keeps no string and no entry object. For the maps of
 * every group and every name a large plan holds (a Map of 200,000 strings is 7 MB; this is a quarter to
 * a half of that). Between a quarter and a half full; a deleted entry leaves a marker until the table is next rebuilt.
 */
export class HashIndex {
  readonly #keyOf: (at: number) => string | undefined;
  #table: Int32Array;
  #live = 0;
  #deleted = 0;

  constructor(keyOf: (at: number) => string | undefined, expected = 0) {
    this.#keyOf = keyOf;
    this.#table = new Int32Array(capacityFor(expected)).fill(EMPTY);
  }

  get size(): number {
    return this.#live;
  }

  get(key: string): number | undefined {
    const at = this.#find(key);
    return at < 0 ? undefined : this.#table[at];
  }

  /** Puts `key` at `at`, in place of where it was. */
  set(key: string, at: number): void {
    const table = this.#table;
    const mask = table.length - 1;
    let i = hashOf(key) & mask;
    let free = -1;
    for (let entry = table[i] as number; entry !== EMPTY; entry = table[i] as number) {
      if (entry === DELETED) {
        if (free < 0) free = i;
      } else if (this.#keyOf(entry) === key) {
        table[i] = at;
        return;
      }
      i = (i + 1) & mask;
    }
    if (free >= 0) {
      table[free] = at;
      this.#deleted--;
    } else table[i] = at;
    this.#live++;
    if (2 * (this.#live + this.#deleted) > table.length) this.#rebuild(capacityFor(this.#live));
  }

  delete(key: string): boolean {
    const i = this.#find(key);
    if (i < 0) return false;
    this.#table[i] = DELETED;
    this.#live--;
    this.#deleted++;
    return true;
  }

  /** Every entry's place, in no particular order. */
  *places(): Generator<number> {
    for (const entry of this.#table) if (entry >= 0) yield entry;
  }

  /** The same entries, found by their strings through `keyOf`. */
  copy(keyOf: (at: number) => string | undefined): HashIndex {
    const copied = new HashIndex(keyOf);
    copied.#table = this.#table.slice();
    copied.#live = this.#live;
    copied.#deleted = this.#deleted;
    return copied;
  }

  /** The table slot holding `key`, or -1. */
  #find(key: string): number {
    const table = this.#table;
    const mask = table.length - 1;
    let i = hashOf(key) & mask;
    for (let entry = table[i] as number; entry !== EMPTY; entry = table[i] as number) {
      if (entry !== DELETED && this.#keyOf(entry) === key) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  #rebuild(capacity: number): void {
    const old = this.#table;
    const table = new Int32Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (const entry of old) {
      if (entry < 0) continue;
      let i = hashOf(this.#keyOf(entry) as string) & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = entry;
    }
    this.#table = table;
    this.#deleted = 0;
  }
}

/** Room for `count` entries at most half full. */
function capacityFor(count: number): number {
  let capacity = 8;
  while (capacity < 2 * count) capacity *= 2;
  return capacity;
}

/**
 * Numbers filed under small hashes (`hashOf`), each hash's newest first, in typed arrays: a multimap of
 * a few hundred thousand entries without a Map entry or a list object for each.
 */
export class HashLists {
  /** By hash (its low bits): the newest entry, or -1. */
  #heads = new Int32Array(8).fill(EMPTY);
  #hashes = new Int32Array(8);
  #values = new Int32Array(8);
  /** Each entry's next older entry in its chain, or -1. */
  #next = new Int32Array(8);
  #count = 0;

  /** Files `value` under `hash`, unless it is already the newest there. */
  add(hash: number, value: number): void {
    if (this.newest(hash) === value) return;
    if (this.#count === this.#hashes.length) {
      const grown = 2 * this.#count;
      this.#hashes = grownTo(this.#hashes, grown);
      this.#values = grownTo(this.#values, grown);
      this.#next = grownTo(this.#next, grown);
    }
    const entry = this.#count++;
    this.#hashes[entry] = hash;
    this.#values[entry] = value;
    if (this.#count > this.#heads.length) this.#rechain(2 * this.#heads.length);
    else this.#link(entry);
  }

  /** The numbers filed under `hash`, newest first. */
  *under(hash: number): Generator<number> {
    const heads = this.#heads;
    for (let e = heads[hash & (heads.length - 1)] as number; e !== EMPTY; e = this.#next[e] as number)
      if (this.#hashes[e] === hash) yield this.#values[e] as number;
  }

  newest(hash: number): number | undefined {
    for (const value of this.under(hash)) return value;
    return undefined;
  }

  #link(entry: number): void {
    const at = (this.#hashes[entry] as number) & (this.#heads.length - 1);
    this.#next[entry] = this.#heads[at] as number;
    this.#heads[at] = entry;
  }

  /** Heads for `size` chains, every entry linked again oldest first (so each chain is newest first). */
  #rechain(size: number): void {
    this.#heads = new Int32Array(size).fill(EMPTY);
    for (let entry = 0; entry < this.#count; entry++) this.#link(entry);
  }
}

/** The numbers of `array` in a longer one of `length`. */
export function grownTo(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length);
  grown.set(array);
  return grown;
}

/** How many strings go into each packed string of a `PackedStrings`. */
const PACK = 4096;

/**
 * Strings kept once each, in the order first added, packed a few thousand to a string: each is a slice of
 * its pack when read. A set of 200,000 ids read back from disk held each as a string of its own and a Set
 * entry (about 80 bytes an id); packed, about 50.
 */
export class PackedStrings implements Iterable<string> {
  readonly #packs: string[] = [];
  /** The strings of the pack being filled. */
  #filling: string[] = [];
  #filled = 0;
  /** Where each string ends in its pack. */
  #ends = new Int32Array(PACK);
  #count = 0;
  readonly #index = new HashIndex((at) => this.at(at));

  get size(): number {
    return this.#count;
  }

  has(text: string): boolean {
    return this.#index.get(text) !== undefined;
  }

  add(text: string): this {
    if (this.has(text)) return this;
    const at = this.#count++;
    if (at === this.#ends.length) this.#ends = grownTo(this.#ends, 2 * at);
    this.#filling.push(text);
    this.#filled += text.length;
    this.#ends[at] = this.#filled;
    if (this.#filling.length === PACK) {
      this.#packs.push(this.#filling.join(""));
      this.#filling = [];
      this.#filled = 0;
    }
    this.#index.set(text, at);
    return this;
  }

  /** The string added `at`-th (from 0). */
  at(at: number): string | undefined {
    if (!(at >= 0 && at < this.#count)) return undefined;
    const pack = Math.floor(at / PACK);
    if (pack === this.#packs.length) return this.#filling[at % PACK];
    const start = at % PACK === 0 ? 0 : (this.#ends[at - 1] as number);
    return (this.#packs[pack] as string).slice(start, this.#ends[at]);
  }

  *[Symbol.iterator](): Generator<string> {
    for (let at = 0; at < this.#count; at++) yield this.at(at) as string;
  }
}
