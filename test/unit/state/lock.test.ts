import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { acquireLock, LOCK_FILE } from "../../../src/state/lock.js";

const now = (): Date => new Date();
/** A pid that surely ran and is gone: a child that already exited. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", "0"]).pid;

describe("the lock of a state directory", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["empty", ""],
    ["unreadable", "{not json"],
  ])("takes over an %s lock file at once, with a warning", async (_name, text) => {
    await writeFile(join(dir, LOCK_FILE), text);
    const taken = await acquireLock(dir, "r", now);
    expect(taken).toMatchObject({ ok: true, takenOver: "an empty or unreadable lock file" });
  });

  it.each([
    ["pid 0", { pid: 0 }],
    ["pid -1", { pid: -1 }],
    ["a pid that a later process reuses", { pid: process.pid, startedAt: "2000-01-01T00:00:00.000Z" }],
    [
      "a lock from an earlier boot",
      { pid: process.pid, startedAt: new Date().toISOString(), bootId: "0-earlier-boot" },
    ],
  ])("takes over a lock held by %s", async (_name, fields) => {
    const owner = { host: hostname(), startedAt: "then", runId: "x", ...fields };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(owner));
    expect(await acquireLock(dir, "r", now)).toMatchObject({ ok: true });
  });

  it("refuses a lock whose process lives", async () => {
    const first = await acquireLock(dir, "a", now);
    expect(first.ok).toBe(true);
    expect(await acquireLock(dir, "b", now)).toMatchObject({ ok: false });
  });

  it("lets exactly one of four racers take over a stale lock, every time (40 trials)", async () => {
    const winners: number[] = [];
    for (let trial = 0; trial < 40; trial++) {
      const owner = { pid: deadPid(), host: hostname(), startedAt: "then", runId: "dead" };
      await writeFile(join(dir, LOCK_FILE), JSON.stringify(owner));
      const results = await Promise.all([1, 2, 3, 4].map((n) => acquireLock(dir, `r${n}`, now)));
      winners.push(results.filter((r) => r.ok).length);
      for (const r of results) if (r.ok) await r.release();
    }
    expect(winners).toEqual(Array.from({ length: 40 }, () => 1));
    expect(await readdir(dir)).toEqual([]);
  });
});
