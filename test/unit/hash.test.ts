import fc from "fast-check";
import { HashIndex, HashLists, PackedStrings, hashOf } from "../../src/hash.js";

describe("HashIndex", () => {
  it("answers as a Map of each string's place would, through sets, replacements, deletes and growth", () => {
    const key = fc.oneof(fc.constantFrom("a", "b", "Ab", "bA", "", "é"), fc.string({ maxLength: 3 }));
    const op = fc.tuple(fc.constantFrom("set", "set", "delete", "get"), key);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.nat(20), (ops, expected) => {
        // The strings by place, as a caller keeps them; the index keeps only the places.
        const keys: string[] = [];
        const index = new HashIndex((at) => keys[at], expected);
        const reference = new Map<string, number>();
        for (const [kind, k] of ops) {
          if (kind === "set") {
            keys.push(k);
            index.set(k, keys.length - 1);
            reference.set(k, keys.length - 1);
          } else if (kind === "delete") expect(index.delete(k)).toBe(reference.delete(k));
          else expect(index.get(k)).toBe(reference.get(k));
          expect(index.size).toBe(reference.size);
        }
        expect([...index.places()].sort((a, b) => a - b)).toEqual(
          [...reference.values()].sort((a, b) => a - b),
        );
        const copy = index.copy((at) => keys[at]);
        for (const [k, at] of reference) expect(copy.get(k)).toBe(at);
        copy.delete(keys[keys.length - 1] ?? "");
        for (const [k, at] of reference) expect(index.get(k)).toBe(at);
      }),
      { numRuns: 300 },
    );
  });

  it("tells apart two strings with the same hash", () => {
    // Found by search: different strings, one 30-bit hash.
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null; i++) {
      const k = `k${i}`;
      const other = seen.get(hashOf(k));
      if (other !== undefined) pair = [other, k];
      else seen.set(hashOf(k), k);
    }
    const keys = [...pair];
    const index = new HashIndex((at) => keys[at]);
    index.set(pair[0], 0);
    index.set(pair[1], 1);
    expect([index.get(pair[0]), index.get(pair[1])]).toEqual([0, 1]);
    index.delete(pair[0]);
    expect([index.get(pair[0]), index.get(pair[1])]).toEqual([undefined, 1]);
  });
});

describe("HashLists", () => {
  it("gives each hash's numbers newest first, a number added twice in a row once, as lists in a Map would", () => {
    // Hashes that share a chain (equal low bits) and hashes up to 30 bits.
    const hash = fc.oneof(fc.constantFrom(0, 8, 16, 1 << 29), fc.nat((1 << 30) - 1));
    fc.assert(
      fc.property(fc.array(fc.tuple(hash, fc.nat(5)), { maxLength: 300 }), (adds) => {
        const lists = new HashLists();
        const reference = new Map<number, number[]>();
        for (const [h, value] of adds) {
          lists.add(h, value);
          const list = reference.get(h) ?? [];
          if (list[0] !== value) list.unshift(value);
          reference.set(h, list);
        }
        for (const [h, list] of reference) {
          expect([...lists.under(h)]).toEqual(list);
          expect(lists.newest(h)).toBe(list[0]);
        }
        expect([...lists.under(12345)]).toEqual(reference.get(12345) ?? []);
      }),
      { numRuns: 300 },
    );
  });
});

describe("PackedStrings", () => {
  it("keeps each string once, in the order first added, as a Set would", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 200 }), (texts) => {
        const packed = new PackedStrings();
        for (const t of texts) packed.add(t);
        const reference = new Set(texts);
        expect([...packed]).toEqual([...reference]);
        expect(packed.size).toBe(reference.size);
        for (const t of texts) expect(packed.has(t)).toBe(true);
        expect(packed.has("not among them: longer than four")).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("reads back strings from full packs and the one being filled, across their edges", () => {
    const packed = new PackedStrings();
    const texts = Array.from({ length: 10_000 }, (_, i) => `id-${"x".repeat(i % 7)}-${i}`);
    for (const t of texts) packed.add(t);
    for (const t of texts.slice(0, 50)) packed.add(t); // (again: nothing added)
    expect(packed.size).toBe(10_000);
    expect([...packed]).toEqual(texts);
    for (const at of [0, 4095, 4096, 8191, 8192, 9999]) expect(packed.at(at)).toBe(texts[at]);
    expect(packed.at(10_000)).toBeUndefined();
    expect(packed.at(-1)).toBeUndefined();
  });
});
