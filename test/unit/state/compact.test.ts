import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  compactRecords,
  foldHistory,
  parseJournal,
  type History,
  type JournalRecord,
} from "../../../src/state/history.js";
import { compact, Journal, JOURNAL_FILE, readHistory } from "../../../src/state/journal.js";

const record = (
  n: number,
  move: number,
  kind: "started" | "finished",
  op: "move" | "undo",
  status: string,
): JournalRecord => {
  const base = {
    v: 1 as const,
    at: new Date(n * 1000).toISOString(),
    runId: `run-${n}`,
    portal: "https://p.example",
    moveId: `m${move}`,
    from: `f${move}`,
    to: `t${move}`,
    op,
  };
  return kind === "started"
    ? {
        ...base,
        event: "started",
        expected: [`u${n}`],
        before: { source: [`u${n}`], destination: [], sourceManager: null },
      }
    : {
        ...base,
        event: "finished",
        status: op === "undo" && status === "succeeded" ? "undone" : status,
        reason: null,
        ...(status === "succeeded" && op === "move" ? { moved: [`u${n}`] } : {}),
      };
};

/** A history in plain data, to compare two folds. */
const plainHistory = (h: History) => ({
  done: [...h.done].sort(),
  undone: [...h.undone].sort(),
  inDoubt: [...h.inDoubt].sort(([a], [b]) => a.localeCompare(b)),
  moves: [...h.moves].sort(([a], [b]) => a.localeCompare(b)),
});

const records = fc
  .array(
    fc.record({
      move: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom("started" as const, "finished" as const),
      op: fc.constantFrom("move" as const, "undo" as const),
      status: fc.constantFrom("succeeded", "failed", "skipped", "not-attempted"),
    }),
    { maxLength: 80 },
  )
  .map((list) => list.map((r, n) => record(n, r.move, r.kind, r.op, r.status)));

describe("journal compaction", () => {
  it("keeps exactly what the history is made of: folding the kept records gives the same history", () => {
    fc.assert(
      fc.property(records, (all) => {
        const kept = compactRecords(all);
        expect(plainHistory(foldHistory(kept))).toEqual(plainHistory(foldHistory(all)));
        // At most five records per move, in their order.
        expect(kept.length).toBeLessThanOrEqual(Math.min(all.length, 5 * 4));
        expect(kept.map((r) => all.indexOf(r))).toEqual(
          [...kept.map((r) => all.indexOf(r))].sort((a, b) => a - b),
        );
      }),
      { numRuns: 1000, seed: 7 },
    );
  });

  describe("on open, with the lock held", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "dm-compact-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("rewrites a journal of a thousand nightly runs to what it knows, 0600, with the same history", async () => {
      // 3 moves, each run 1,000 nights: started + finished (skipped, already done) after the first.
      const lines: JournalRecord[] = [];
      let n = 0;
      for (let night = 0; night < 1000; night++)
        for (let move = 0; move < 3; move++) {
          lines.push(record(n++, move, "started", "move", ""));
          lines.push(record(n++, move, "finished", "move", night === 0 ? "succeeded" : "skipped"));
        }
      const path = join(dir, JOURNAL_FILE);
      await writeFile(path, lines.map((r) => `${JSON.stringify(r)}\n`).join(""), { mode: 0o600 });
      const before = plainHistory(await readHistory(dir));
      const { journal } = await Journal.open(dir);
      await journal.close();
      const after = parseJournal(await readFile(path, "utf8"));
      expect(after.length).toBeLessThanOrEqual(3 * 5);
      expect(plainHistory(await readHistory(dir))).toEqual(before);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      // A small or already compact journal is left as it is.
      expect(await compact(path)).toBe(0);
    });
  });
});
