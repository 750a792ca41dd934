import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { mkdir, readFile, writeFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseJournal } from "../../src/state/history.js";
import { lockFileFor } from "../../src/state/lock.js";
import { runBin } from "../helpers/cli.js";
import { g, smallSeed, u } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

const TWO = manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`);
const journalOf = async (): Promise<ReturnType<typeof parseJournal>> =>
  parseJournal(await readFile(join(h.dir, ".docspace-migrate", "journal.jsonl"), "utf8"));
const puts = (): number => h.sandbox.requests.filter((r) => r.method === "PUT").length;

describe("the state store", () => {
  it("skips moves already done on this portal, and runs them again with --force", async () => {
    await h.start(smallSeed());
    expect((await h.run(TWO)).code).toBe(0);
    expect(puts()).toBe(2);
    const again = await h.run(TWO);
    expect(again.code).toBe(0);
    expect(again.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "skipped", "already-done"],
      ["b", "skipped", "already-done"],
    ]);
    expect(puts()).toBe(2);
    const forced = await h.run(TWO, { force: true });
    expect(forced.report?.moves.map((m) => m.status)).toEqual(["succeeded", "succeeded"]);
    expect(puts()).toBe(4);
  });

  it("records each move before its PUT is sent and after its result", async () => {
    await h.start(smallSeed());
    const seenAtPut: string[] = [];
    h.sandbox.faults.script((req) => {
      if (req.method === "PUT") {
        // The journal on disk at the moment the PUT arrives: the "started" line must already be there.
        const text = readFileSync(join(h.dir, ".docspace-migrate", "journal.jsonl"), "utf8");
        seenAtPut.push(...parseJournal(text).map((r) => `${r.event}:${r.moveId}`));
      }
      return undefined;
    });
    await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(seenAtPut).toEqual(["started:a"]);
    const records = await journalOf();
    expect(records.map((r) => [r.event, r.moveId, "status" in r ? r.status : null])).toEqual([
      ["started", "a", null],
      ["finished", "a", "succeeded"],
    ]);
    expect(records[0]).toMatchObject({
      portal: h.sandbox.url,
      from: g(1),
      to: g(2),
      expected: [u(1), u(2), u(5), u(6)],
    });
    expect((await stat(join(h.dir, ".docspace-migrate", "journal.jsonl"))).mode & 0o777).toBe(0o600);
  });

  it("re-checks a move left in doubt by a crash before sending anything: done on the portal, so skipped", async () => {
    await h.start(smallSeed());
    await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    // Simulate the crash: keep only the "started" line.
    const path = join(h.dir, ".docspace-migrate", "journal.jsonl");
    await writeFile(path, `${(await readFile(path, "utf8")).split("\n")[0] ?? ""}\n`);
    h.sandbox.clearLog();
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    expect(res.report?.moves[0]).toMatchObject({ status: "skipped", reason: "already-done" });
    expect(res.report?.warnings).toContain(
      'move "a" was in doubt (an earlier run stopped before recording its result); the portal shows it done, so it is not sent again',
    );
    expect(puts()).toBe(0);
    expect((await journalOf()).at(-1)).toMatchObject({
      event: "finished",
      status: "succeeded",
      reason: "recovered",
    });
  });

  it("runs an in-doubt move that the portal shows not done", async () => {
    await h.start(smallSeed());
    await mkdir(join(h.dir, ".docspace-migrate"), { recursive: true });
    const startedLine = {
      v: 1,
      event: "started",
      at: "2026-11-26T00:00:00Z",
      runId: "x",
      portal: h.sandbox.url,
      moveId: "a",
      from: g(1),
      to: g(2),
      expected: [u(1), u(2)],
    };
    await writeFile(join(h.dir, ".docspace-migrate", "journal.jsonl"), `${JSON.stringify(startedLine)}\n`);
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(res.report?.moves[0]?.status).toBe("succeeded");
    expect(res.report?.warnings).toContain(
      'move "a" was in doubt (an earlier run stopped before recording its result); the portal shows it not done, so it runs',
    );
  });

  it("a dry run takes no lock and writes no state, but shows what is already done", async () => {
    await h.start(smallSeed());
    await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    const before = await readFile(join(h.dir, ".docspace-migrate", "journal.jsonl"), "utf8");
    await writeFile(
      join(h.dir, ".docspace-migrate", lockFileFor(h.sandbox.url)),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "now", runId: "other" }),
    );
    const preview = await h.run(TWO, { dryRun: true });
    expect(preview.code).toBe(0);
    expect(preview.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "skipped", "already-done"],
      ["b", "planned", null],
    ]);
    expect(await readFile(join(h.dir, ".docspace-migrate", "journal.jsonl"), "utf8")).toBe(before);
  });

  it("takes over a lock left by a process that is gone, with a warning", async () => {
    await h.start(smallSeed());
    const gone = spawn(process.execPath, ["-e", ""]);
    const pid = gone.pid ?? 999_999;
    await new Promise((resolve) => gone.on("close", resolve));
    await mkdir(join(h.dir, ".docspace-migrate"), { recursive: true });
    await writeFile(
      join(h.dir, ".docspace-migrate", lockFileFor(h.sandbox.url)),
      JSON.stringify({ pid, host: hostname(), startedAt: "earlier", runId: "dead" }),
    );
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    expect(res.report?.warnings[0]).toMatch(
      new RegExp(`^took over the lock on .* left by a process that is gone \\(pid ${pid} on `),
    );
    await expect(stat(join(h.dir, ".docspace-migrate", lockFileFor(h.sandbox.url)))).rejects.toThrow(); // released at the end
  });

  it("exit 5 when another run holds the lock (built bin), nothing sent", async () => {
    await h.start(smallSeed());
    const stateDir = join(h.dir, "state");
    await mkdir(stateDir, { recursive: true });
    await writeFile(
      join(stateDir, lockFileFor(h.sandbox.url)),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "now", runId: "other" }),
    );
    const file = join(h.dir, "m.yaml");
    await writeFile(file, TWO);
    const run = await runBin(["run", file, "--state-dir", stateDir, "--report", join(h.dir, "r.json")], {
      env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY },
    });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(
      `another run for ${h.sandbox.url} holds the lock on ${stateDir} (pid ${process.pid} on ${hostname()}, since now); nothing was sent`,
    );
    expect(h.sandbox.requests).toHaveLength(0);
  });

  it("runs for different portals share a state directory: another portal's lock does not stop this run", async () => {
    await h.start(smallSeed());
    const stateDir = join(h.dir, "state");
    await mkdir(stateDir, { recursive: true });
    await writeFile(
      join(stateDir, lockFileFor("https://other-portal.example.com")),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "now", runId: "other" }),
    );
    const res = await h.run(manifest(`{ id: a, from: ${g(3)}, to: ${g(4)} }`), { stateDir });
    expect(res.code).toBe(0);
  });
});
