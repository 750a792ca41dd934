import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nthMatching } from "../../src/sandbox/faults.js";
import type { StartedRecord } from "../../src/state/history.js";
import { lockFileFor } from "../../src/state/lock.js";
import { runBin } from "../helpers/cli.js";
import { g, group, smallSeed, u, user } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

/** A "started" record with no result, as a run killed after sending its PUT leaves it. */
async function leaveInDoubt(dir: string, record: Omit<StartedRecord, "v" | "at" | "runId" | "event">) {
  const stateDir = join(dir, ".docspace-migrate");
  await mkdir(stateDir, { recursive: true });
  const line = { v: 1, at: "2026-11-26T02:00:00.000Z", runId: "killed", event: "started", ...record };
  await writeFile(join(stateDir, "journal.jsonl"), `${JSON.stringify(line)}\n`);
}

describe("a move left in doubt by a crash", () => {
  it("is sent again when its source held nobody to move (only a guest manager and a disabled user)", async () => {
    await h.start({
      users: [user(1, { isVisitor: true }), user(2, { status: 2 }), user(3)],
      groups: [group(1, [1, 2], 1, "Guests only"), group(2, [3], null, "Target")],
    });
    await leaveInDoubt(h.dir, {
      portal: h.sandbox.url,
      moveId: "a",
      from: g(1),
      to: g(2),
      expected: [],
      guests: [u(1)],
      before: { source: [u(1)], destination: [u(3)], sourceManager: u(1) },
    });
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    expect(res.report?.warnings).toContain(
      'move "a" was in doubt (an earlier run stopped before recording its result); the portal shows it not done, so it runs',
    );
    expect(h.calls()).toContain(`PUT /api/2.0/group/${g(1)}/members/${g(2)}`);
    expect(h.sandbox.model.group(g(1))?.managerId).toBeNull(); // the guest manager is dropped by the move
  });

  it("resumed on a portal that only copies, counts the members its first attempt copied as moved", async () => {
    await h.start(smallSeed(), { version: "3.6.2" });
    const source = h.sandbox.model.group(g(3));
    await leaveInDoubt(h.dir, {
      portal: h.sandbox.url,
      moveId: "a",
      from: g(3),
      to: g(4),
      expected: [u(8)],
      guests: [],
      before: { source: [u(8)], destination: [], sourceManager: source?.managerId ?? null },
    });
    h.sandbox.model.move(g(3), g(4)); // the first attempt's PUT took effect: copied, not completed
    const res = await h.run(manifest(`{ id: a, from: ${g(3)}, to: ${g(4)} }`));
    expect(res.code).toBe(0);
    expect(res.report?.moves[0]).toMatchObject({
      status: "succeeded",
      moved: [u(8)],
      alreadyInDestination: [],
      completion: "removed-from-source",
    });
    expect(res.report?.summary.membersMoved).toBe(1);
  });
});

describe("answers and paths that used to end in exit 70 or a wait without end", () => {
  it("a Retry-After longer than --max-wait on the version read defers at once (exit 4), report written", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(
      nthMatching("GET", /settings\/version/, 1, { kind: "status", status: 429, retryAfter: "3600" }),
    );
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on("warning", onWarning);
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`), { maxWait: 60 });
    process.off("warning", onWarning);
    expect(res.code).toBe(4);
    expect(res.report).toMatchObject({
      outcome: "deferred",
      moves: [{ status: "not-attempted", reason: "deferred" }],
    });
    expect(h.calls().filter((c) => c.startsWith("PUT"))).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("a Retry-After too large for a timer defers without a flood of TimeoutOverflowWarnings", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(
      nthMatching("PUT", /members\//, 1, { kind: "status", status: 429, retryAfter: "99999999999" }),
    );
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on("warning", onWarning);
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    process.off("warning", onWarning);
    expect(res.code).toBe(4);
    expect(warnings).toEqual([]);
  });

  it("a PUT answered 200 with a null response: no crash; the move is read back and reported (exit 0)", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(
      nthMatching("PUT", /members\//, 1, {
        kind: "body",
        status: 200,
        text: '{"status":0,"statusCode":200,"response":null}',
        after: true,
      }),
    );
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    expect(res.report?.moves[0]).toMatchObject({ status: "succeeded", verified: true });
    expect(res.report?.moves[0]?.warnings[0]).toMatch(/^the portal's answer to the move could not be used/);
  });

  it("a --report path that cannot be written puts the report in the state directory and says so", async () => {
    await h.start(smallSeed());
    const res = await h.run(manifest(`{ from: ${g(3)}, to: ${g(4)} }`), { report: "/dev/null/report.json" });
    expect(res.code).toBe(0);
    const fallback = join(h.dir, ".docspace-migrate", "reports", "report.json");
    expect(res.err.join("\n")).toContain(`it was written to ${fallback}`);
    expect(JSON.parse(await readFile(fallback, "utf8"))).toMatchObject({ outcome: "succeeded" });
  });
});

describe("a state directory that cannot be used: exit 2 before anything is sent", () => {
  it.each([
    ["under a file (ENOTDIR)", () => Promise.resolve("/dev/null/state")],
    [
      "with a dangling link for a lock",
      async () => {
        const dir = join(h.dir, "state");
        await mkdir(dir, { recursive: true });
        await symlink(join(h.dir, "nowhere"), join(dir, lockFileFor(h.sandbox.url)));
        return dir;
      },
    ],
  ])("%s", async (_name, make) => {
    await h.start(smallSeed());
    const stateDir = await make();
    const res = await h.run(manifest(`{ from: ${g(3)}, to: ${g(4)} }`), { stateDir });
    expect(res.code).toBe(2);
    expect(res.err.join("\n")).toMatch(/^cannot use the state directory .*; nothing was sent$/);
    expect(h.calls()).toEqual([]);
  });
});

describe("--quiet under cron (built bin)", () => {
  it("prints nothing at all on a successful run of many requests: no runtime warnings either", async () => {
    const users = Array.from({ length: 24 }, (_, i) => user(i + 1));
    const groups = Array.from({ length: 24 }, (_, i) => group(i + 1, [i + 1]));
    const sandbox = await h.start({ users, groups });
    const moves = Array.from({ length: 12 }, (_, i) => `{ from: ${g(2 * i + 1)}, to: ${g(2 * i + 2)} }`);
    const file = join(h.dir, "quiet.yaml");
    await writeFile(file, manifest(...moves));
    const res = await runBin(
      ["--quiet", "run", file, "--concurrency", "12", "--report", join(h.dir, "r.json")],
      {
        env: { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: KEY },
      },
    );
    expect([res.code, res.stdout, res.stderr]).toEqual([0, "", ""]);
    expect(sandbox.requests.length).toBeGreaterThan(30);
  });
});
