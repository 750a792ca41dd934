import { mkdtempSync, readdirSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { ResultSpool } from "../../../src/report/spool.js";
import type { SpoolIo } from "../../../src/state/spool.js";
import { jsonPieces } from "../../../src/report/write.js";
import type { MoveResult } from "../../../src/report/types.js";

/** Results as the spool sees them: JSON objects with an id and a status (the rest is carried as it is). */
const result = (i: number, extra: unknown = null): MoveResult =>
  ({
    id: `move-${i}`,
    status: i % 3 === 0 ? "failed" : "succeeded",
    moved: [`user-${i}`, "Zoë ✓ 日本"],
    extra,
  }) as unknown as MoveResult;

/** Keeps every result, in the given order of finishing, and lists them. */
function spooled(results: readonly MoveResult[], order: readonly number[], io?: SpoolIo) {
  const spool = new ResultSpool(results.length, io === undefined ? {} : { io });
  for (const i of order) spool.set(i, results[i] as MoveResult);
  return { spool, list: spool.list() };
}

const shuffled = (n: number, seed: number): number[] => {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
};

describe("the results spool", () => {
  it("lists what it was given, in move order, whatever order the moves finished in", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        (extras, seed) => {
          const results = extras.map((e, i) => result(i, e));
          const { list } = spooled(results, shuffled(results.length, seed));
          expect(JSON.stringify(list)).toBe(JSON.stringify(results));
          expect([...jsonPieces(list)].join("")).toBe(JSON.stringify(results, null, 2));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("is read like an array: length, indexes, iteration, the array methods, jest's equality", () => {
    const results = Array.from({ length: 3000 }, (_, i) => result(i, "x".repeat(i % 500)));
    const { spool, list } = spooled(results, shuffled(results.length, 7));
    expect(spool.onDisk).toBe(true);
    expect(Array.isArray(list)).toBe(true);
    expect(list.length).toBe(3000);
    expect(list[2999]).toEqual(results[2999]);
    expect(list[3000]).toBeUndefined();
    expect(list.at(-1)).toEqual(results[2999]);
    expect(list.filter((m) => m.status === "failed").map((m) => m.id)).toEqual(
      results.filter((m) => m.status === "failed").map((m) => m.id),
    );
    expect(list.slice(10, 13)).toEqual(results.slice(10, 13));
    expect(list.some((m) => m.id === "move-2500")).toBe(true);
    expect([...list.entries()].length).toBe(3000);
    expect(Object.keys(list).length).toBe(3000);
    expect(list).toEqual(results);
    // Read-only: a spooled list is what the moves did.
    expect(() => {
      (list as MoveResult[])[0] = result(9);
    }).toThrow(TypeError);
    expect(() => (list as MoveResult[]).push(result(9))).toThrow(TypeError);
  });

  it("holds a result larger than its block", () => {
    const results = [result(0), result(1, "y".repeat(600_000)), result(2)];
    const { list } = spooled(results, [2, 1, 0]);
    expect(list).toEqual(results);
  });

  it("leaves no file behind: the one it writes has no name from the start", () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-test-"));
    try {
      const spool = new ResultSpool(2, { dir });
      spool.set(0, result(0));
      spool.set(1, result(1));
      expect(spool.onDisk).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
      expect(spool.list()).toEqual([result(0), result(1)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps results in memory when no file can be made", () => {
    const spool = new ResultSpool(2, { dir: join(tmpdir(), "no-such-folder-for-the-spool", "deeper") });
    expect(spool.onDisk).toBe(false);
    spool.set(1, result(1));
    spool.set(0, result(0));
    expect(spool.list()).toEqual([result(0), result(1)]);
  });

  it("loses no result when the disk fills mid-run: what was written is read from the file, the rest kept in memory", () => {
    let writes = 0;
    const failing: SpoolIo = {
      writeSync: (fd, buffer, offset, length, position) => {
        writes++;
        if (writes > 2) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
        return writeSync(fd, buffer, offset, length, position);
      },
    };
    const results = Array.from({ length: 4000 }, (_, i) => result(i, "z".repeat(300)));
    const { spool, list } = spooled(results, shuffled(results.length, 3), failing);
    expect(writes).toBeGreaterThan(2);
    expect(spool.onDisk).toBe(false);
    expect(list).toEqual(results);
  });

  it("refuses a result for a move it does not have, and a list with a move missing", () => {
    const spool = new ResultSpool(2);
    expect(() => {
      spool.set(2, result(2));
    }).toThrow(RangeError);
    spool.set(0, result(0));
    expect(() => spool.list()).toThrow(/move 1 has no result/);
  });
});
