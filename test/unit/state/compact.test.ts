import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  compactRecords,
  foldHistory,
  parseJournal,
  type History,
  type JournalRecord,
} from "../../../src/state/history.js";
import { Journal, JOURNAL_FILE, readHistory } from "../../../src/state/journal.js";
import { lockFileFor } from "../../../src/state/lock.js";
import { JOURNAL_LOCK, openState } from "../../../src/state/open.js";

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

  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-compact-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A journal of a thousand nightly runs of 3 moves: started + finished (skipped, already done) after the first. */
  const nightly = (): string => {
    const lines: JournalRecord[] = [];
    let n = 0;
    for (let night = 0; night < 1000; night++)
      for (let move = 0; move < 3; move++) {
        lines.push(record(n++, move, "started", "move", ""));
        lines.push(record(n++, move, "finished", "move", night === 0 ? "succeeded" : "skipped"));
      }
    return lines.map((r) => `${JSON.stringify(r)}\n`).join("");
  };

  describe("in a state directory runs for other portals share", () => {
    /** A lock file as a run leaves it; by default a live one: this very process, on this host. */
    const lockAt = (
      file: string,
      owner: { pid: number; host: string } = { pid: process.pid, host: hostname() },
    ) =>
      writeFile(
        join(dir, file),
        JSON.stringify({ ...owner, startedAt: new Date().toISOString(), runId: "x" }),
      );
    const open = () => openState(dir, "run-1", () => new Date(), true, "https://p.example");

    it("compacts while no other portal's run is live, and hands over the history it read", async () => {
      const path = join(dir, JOURNAL_FILE);
      await writeFile(path, nightly(), { mode: 0o600 });
      const before = plainHistory(await readHistory(dir));
      const state = await open();
      if (!state.ok) throw new Error(state.message);
      await state.close();
      expect(parseJournal(await readFile(path, "utf8")).length).toBeLessThanOrEqual(3 * 5);
      expect(plainHistory(state.history as History)).toEqual(before);
    });

    it("leaves the journal whole while another portal's run is live (it appends to that very file)", async () => {
      const path = join(dir, JOURNAL_FILE);
      await writeFile(path, nightly(), { mode: 0o600 });
      await lockAt(lockFileFor("https://other.example"));
      const state = await open();
      if (!state.ok) throw new Error(state.message);
      await state.close();
      expect(parseJournal(await readFile(path, "utf8"))).toHaveLength(6000);
      // A lock whose process is gone appends nothing: the next run compacts.
      await lockAt(lockFileFor("https://other.example"), { pid: 2 ** 22 + 1, host: hostname() });
      const again = await open();
      if (!again.ok) throw new Error(again.message);
      await again.close();
      expect(parseJournal(await readFile(path, "utf8")).length).toBeLessThanOrEqual(3 * 5);
    });

    it("waits while another run holds the journal lock, and opens once it is released", async () => {
      await lockAt(JOURNAL_LOCK);
      let settled = false;
      const opening = open().then((state) => {
        settled = true;
        return state;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false);
      await rm(join(dir, JOURNAL_LOCK));
      const state = await opening;
      if (!state.ok) throw new Error(state.message);
      await state.close();
      // Released after opening: the next run need not wait.
      await expect(stat(join(dir, JOURNAL_LOCK))).rejects.toThrow();
    });

    it("takes over a journal lock left by a process that is gone, and says so", async () => {
      await lockAt(JOURNAL_LOCK, { pid: 2 ** 22 + 1, host: hostname() });
      const state = await open();
      if (!state.ok) throw new Error(state.message);
      await state.close();
      expect(state.warnings).toEqual([
        expect.stringContaining(`took over ${join(dir, JOURNAL_LOCK)} left by a process that is gone (`),
      ]);
      await expect(stat(join(dir, JOURNAL_LOCK))).rejects.toThrow();
    });

    it("stops waiting for the journal lock when stopped (SIGINT), keeps no lock of its own, leaves the other", async () => {
      await lockAt(JOURNAL_LOCK);
      const stop = new AbortController();
      const opening = openState(dir, "run-1", () => new Date(), true, "https://p.example", {
        stop: stop.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      stop.abort();
      const state = await opening;
      expect(state).toMatchObject({ ok: false, reason: "interrupted" });
      expect(!state.ok && state.message).toContain("nothing was sent");
      await expect(stat(join(dir, lockFileFor("https://p.example")))).rejects.toThrow();
      await expect(stat(join(dir, JOURNAL_LOCK))).resolves.toBeDefined();
    });

    it("gives up on a journal lock held too long, says which file to remove, and keeps no lock of its own", async () => {
      // Left by a run on another host: whether it still runs cannot be told from here.
      await lockAt(JOURNAL_LOCK, { pid: 1, host: "elsewhere" });
      const state = await openState(dir, "run-1", () => new Date(), true, "https://p.example", {
        journalWaitMs: 100,
      });
      expect(state).toMatchObject({ ok: false, reason: "locked" });
      expect(!state.ok && state.message).toContain(
        `${join(dir, JOURNAL_LOCK)} for more than 0 s while opening the journal (a run holds it only for that moment); nothing was sent. If no run is starting in that directory`,
      );
      await expect(stat(join(dir, lockFileFor("https://p.example")))).rejects.toThrow();
      await expect(stat(join(dir, JOURNAL_FILE))).rejects.toThrow();
    });
  });

  describe("on open, with the lock held", () => {
    it("rewrites a journal of a thousand nightly runs to what it knows, 0600, with the same history", async () => {
      const path = join(dir, JOURNAL_FILE);
      await writeFile(path, nightly(), { mode: 0o600 });
      const before = plainHistory(await readHistory(dir));
      const { journal } = await Journal.open(dir);
      await journal.close();
      const after = parseJournal(await readFile(path, "utf8"));
      expect(after.length).toBeLessThanOrEqual(3 * 5);
      expect(plainHistory(await readHistory(dir))).toEqual(before);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      // A small or already compact journal is left as it is.
      const compacted = await readFile(path, "utf8");
      const again = await Journal.open(dir);
      await again.journal.close();
      expect(await readFile(path, "utf8")).toBe(compacted);
    });
  });
});
