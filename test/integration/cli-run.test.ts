import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../src/sandbox/server.js";
import type { Report } from "../../src/report/types.js";
import { lockFileFor } from "../../src/state/lock.js";
import { JOURNAL_LOCK } from "../../src/state/open.js";
import { runBin } from "../helpers/cli.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY, RunHarness, validateReport, manifest } from "../helpers/run.js";

describe("docspace-migrate run (built bin): exit codes", () => {
  let sandbox: Sandbox;
  let dir: string;
  const env = (): Record<string, string> => ({ DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: KEY });
  const write = async (name: string, text: string): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const readReport = async (path: string): Promise<Report> => {
    const report = JSON.parse(await readFile(path, "utf8")) as Report;
    expect(validateReport(report)).toBe(true);
    return report;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-cli-run-"));
    sandbox = await startSandbox({ seed: smallSeed(), apiKey: KEY });
  });
  afterEach(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("0: every move succeeded; the report is written with mode 0600 under reports/", async () => {
    const file = await write("m.yaml", manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    const run = await runBin(["run", file, "--log-level", "warn"], { env: env(), cwd: dir });
    expect(run.code).toBe(0);
    const [name] = await readdir(join(dir, "reports"));
    expect(name).toMatch(/^m-\d{8}T\d{6}Z\.json$/);
    const path = join(dir, "reports", name ?? "");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readReport(path)).toMatchObject({ outcome: "succeeded", exitCode: 0 });
    expect(run.stdout).toContain(
      "Result: succeeded (exit 0): 1 succeeded, 0 failed, 0 skipped, 0 not attempted; 3 members moved;",
    );
  });

  it("1: a move failed; the summary names it and its reason", async () => {
    const file = await write("m.yaml", manifest(`{ id: a, from: ${g(1)}, to: ${g(99)} }`));
    const report = join(dir, "r.json");
    const run = await runBin(["run", file, "--report", report], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `  - \\S+m\\.yaml:3:62 moves\\[0\\]\\.to: ${g(99)}: the group does not exist \\(or was deleted\\)`,
      ),
    );
    expect((await readReport(report)).outcome).toBe("failed");
  });

  it("2: invalid usage or manifest, nothing sent", async () => {
    const file = await write("m.yaml", manifest(`{ from: ${g(1)}, to: nope }`));
    const bad = await runBin(["run", file], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('moves[0].to: "nope" is not a UUID or {name: ...}');
    expect((await runBin(["run", file, "--concurrency", "16"], { env: env() })).code).toBe(2);
    expect((await runBin(["run", file, "--api-key", KEY], { env: env() })).code).toBe(2);
    expect(sandbox.requests).toHaveLength(0);
  });

  it("3: the key was refused; the key is in no output, log file or report", async () => {
    const wrong = `sk-${"4".repeat(64)}`;
    const file = await write("m.yaml", manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    const report = join(dir, "r.json");
    const log = join(dir, "run.log");
    const run = await runBin(["run", file, "--report", report, "--log-file", log, "--log-level", "trace"], {
      env: { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: wrong },
    });
    expect(run.code).toBe(3);
    const texts = [run.stdout, run.stderr, await readFile(log, "utf8"), await readFile(report, "utf8")];
    for (const text of texts) expect(text).not.toContain(wrong.slice(3, 30));
    expect(texts[2]).toContain('"event":"run.finished"');
  });

  it("--quiet prints nothing when all went well, and the whole summary when not", async () => {
    const ok = await write("ok.yaml", manifest(`{ from: ${g(3)}, to: ${g(4)} }`));
    const quiet = await runBin(["--quiet", "run", ok, "--report", join(dir, "q.json")], { env: env() });
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, "", ""]);
    const bad = await write("bad.yaml", manifest(`{ id: x, from: ${g(1)}, to: ${g(99)} }`));
    const loud = await runBin(["--quiet", "run", bad, "--report", join(dir, "b.json")], { env: env() });
    expect(loud.code).toBe(1);
    expect(loud.stdout).toMatch(
      new RegExp(`  - \\S+bad\\.yaml:3:62 moves\\[0\\]\\.to: ${g(99)}: the group does not exist`),
    );
  });

  it("logs JSON events with stable names to stderr (not a terminal), with progress at the end", async () => {
    const file = await write("m.yaml", manifest(`{ id: a, from: ${g(3)}, to: ${g(4)} }`));
    const run = await runBin(["run", file, "--report", join(dir, "r.json")], { env: env() });
    expect(run.code).toBe(0);
    const events = run.stderr
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { event?: string; move?: string }).event ?? "");
    expect(events).toEqual(["run.started", "move.started", "move.succeeded", "run.progress", "run.finished"]);
    expect(run.stdout).not.toContain('"event"'); // stdout is for people
  });

  it("reads the key from DOCSPACE_API_KEY_FILE", async () => {
    const keyFile = await write("key", `${KEY}\n`);
    const file = await write("m.yaml", manifest(`{ from: ${g(3)}, to: ${g(4)} }`));
    const run = await runBin(["run", file, "--report", join(dir, "r.json")], {
      env: { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY_FILE: keyFile },
    });
    expect(run.code).toBe(0);
  });

  it("130: SIGINT lets the request in flight finish, starts nothing new, and writes the report", async () => {
    const file = await write(
      "m.yaml",
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
    );
    const report = join(dir, "r.json");
    sandbox.faults.script((req) => {
      if (req.method === "PUT") sandbox.pause();
      return undefined;
    });
    let kill: (s: NodeJS.Signals) => void = () => undefined;
    const finished = runBin(["run", file, "--report", report, "--concurrency", "1"], {
      env: env(),
      onSpawn: (k) => (kill = k),
    });
    while (sandbox.inFlight().writes < 1) await new Promise((r) => setTimeout(r, 10));
    kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    sandbox.resume();
    const run = await finished;
    expect(run.code).toBe(130);
    const result = await readReport(report);
    expect(result.outcome).toBe("interrupted");
    expect(result.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "succeeded", null],
      ["b", "not-attempted", "interrupted"],
    ]);
    expect(sandbox.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it("a dry run stopped by a signal or a refused key says it stopped, not that the plan has problems", async () => {
    const file = await write("m.yaml", manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    const refused = await runBin(["run", file, "--dry-run", "--report", join(dir, "r1.json")], {
      env: { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: `sk-${"4".repeat(64)}` },
    });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain("\nStopped:\n  - the portal did not accept the API key (401)");
    expect(refused.stdout).not.toContain("Blocking problems");
    expect(refused.stdout).toMatch(/^Result: aborted \(exit 3\): 0 planned, 0 skipped, 1 not run;/m);

    // Stopped after the preflight, at the read of the source's disabled members: a plan could be saved.
    let hold: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (hold = resolve));
    sandbox.faults.script((req) => {
      if (req.path === "/api/2.0/people/filter") {
        hold();
        sandbox.pause();
      }
      return undefined;
    });
    let kill: (s: NodeJS.Signals) => void = () => undefined;
    const plan = join(dir, "plan.json");
    const args = ["run", file, "--dry-run", "--report", join(dir, "r2.json"), "--plan-out", plan];
    const finished = runBin(args, {
      env: env(),
      onSpawn: (k) => (kill = k),
    });
    await held;
    kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    sandbox.resume();
    const stopped = await finished;
    expect(stopped.code).toBe(130);
    expect(stopped.stdout).toContain("\nStopped:\n  - interrupted");
    expect(stopped.stdout).not.toContain("Blocking problems");
    expect(stopped.stdout).toMatch(/^Result: interrupted \(exit 130\): 0 planned, 0 skipped, 1 not run;/m);
    expect(stopped.stderr).toContain(`no plan written to ${plan}: the preview was interrupted`);
    await expect(stat(plan)).rejects.toThrow();
  });

  it("a second signal exits at once (130), even with a request still unanswered", async () => {
    const file = await write("m.yaml", manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    sandbox.faults.script((req) => {
      if (req.method === "PUT") sandbox.pause();
      return undefined;
    });
    let kill: (s: NodeJS.Signals) => void = () => undefined;
    const finished = runBin(["run", file, "--report", join(dir, "r.json")], {
      env: env(),
      onSpawn: (k) => (kill = k),
    });
    while (sandbox.inFlight().writes < 1) await new Promise((r) => setTimeout(r, 10));
    kill("SIGINT");
    await new Promise((r) => setTimeout(r, 100));
    kill("SIGINT");
    const run = await finished; // the PUT is still held by the paused sandbox
    expect(run.code).toBe(130);
    // The sandbox logs a request when it answers it: the PUT had no answer when the process left.
    expect(sandbox.requests.filter((r) => r.method === "PUT")).toHaveLength(0);
    sandbox.resume();
  });

  it("130 at once: a signal ends the wait for another run opening the journal, and nothing was sent", async () => {
    const file = await write("m.yaml", manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    const stateDir = join(dir, "state");
    await mkdir(stateDir);
    // Another run opening the journal (this very process, so the lock is live); it would be waited for 60 s.
    const holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runId: "x" };
    await writeFile(join(stateDir, JOURNAL_LOCK), JSON.stringify(holder));
    let kill: (s: NodeJS.Signals) => void = () => undefined;
    const finished = runBin(["run", file, "--state-dir", stateDir, "--report", join(dir, "r.json")], {
      env: env(),
      onSpawn: (k) => (kill = k),
    });
    // Waiting: it holds its portal's lock and polls for the journal's.
    const portalLock = join(stateDir, lockFileFor(new URL(sandbox.url).origin));
    while (
      !(await stat(portalLock).then(
        () => true,
        () => false,
      ))
    )
      await new Promise((r) => setTimeout(r, 10));
    kill("SIGINT");
    const run = await finished;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(
      `stopped while waiting for another run to finish opening the journal (${join(stateDir, JOURNAL_LOCK)}); nothing was sent`,
    );
    expect(sandbox.requests).toHaveLength(0);
    // Its own lock released, the other run's left alone.
    expect((await readdir(stateDir)).sort()).toEqual([JOURNAL_LOCK]);
  });
});

describe("docspace-migrate undo (built bin)", () => {
  it("exits 2 for a file that is not a report", async () => {
    // A .json argument is a report (anything else is a manifest, whose journal is undone).
    const res = await runBin(["undo", "package.json"], { env: { DOCSPACE_API_KEY: KEY } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^package\.json: not a docspace-migrate report/);
  });
});

describe("docspace-migrate demo (built bin)", () => {
  it("runs the example on an in-process sandbox and prints the summary", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dm-demo-"));
    try {
      const run = await runBin(["demo"], { cwd: dir });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        "Result: succeeded (exit 0): 6 succeeded, 0 failed, 0 skipped, 0 not attempted; 40 members moved;",
      );
      expect(run.stdout).toMatch(/Report: reports\/migrations\.example-\d{8}T\d{6}Z\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// each hostile input gets a clear error from `run` too, and nothing reaches the portal.
describe("run refuses bad manifests before sending anything", () => {
  const A = "08e455dc-98c4-4390-b36f-54757080149c";
  const B = "9b1c2d3e-0000-4000-8000-000000000002";
  const cases: [string, string, string][] = [
    [
      "a file over 5 MiB",
      `version: 1\nmoves: []\n${"#".repeat(5 * 1024 * 1024)}`,
      "manifests are limited to 5 MiB",
    ],
    [
      "an alias bomb",
      `version: 1\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nmoves: []\n`,
      "as in an alias bomb",
    ],
    [
      "a duplicate key",
      `version: 1\nmoves:\n  - from: ${A}\n    from: ${B}\n    to: ${B}\n`,
      'duplicate key "from"',
    ],
    [
      "a path trick",
      `version: 1\nmoves:\n  - { from: "../${A}", to: ${B} }\n`,
      "is not a UUID or {name: ...}",
    ],
    [
      "an apiKey",
      `version: 1\nportal: { url: "https://x.example.com", apiKey: abc }\nmoves:\n  - { from: ${A}, to: ${B} }\n`,
      "an API key does not belong in the manifest",
    ],
    [
      "http to a remote host",
      `version: 1\nportal: { url: "http://x.example.com" }\nmoves:\n  - { from: ${A}, to: ${B} }\n`,
      "would send the API key in clear text",
    ],
    [
      "credentials in the URL",
      `version: 1\nportal: { url: "https://a:b@x.example.com" }\nmoves:\n  - { from: ${A}, to: ${B} }\n`,
      "the URL contains credentials",
    ],
    [
      "from equal to to",
      `version: 1\nmoves:\n  - { from: ${A}, to: ${A} }\n`,
      "from and to are the same group",
    ],
    [
      "a cycle",
      `version: 1\nmoves:\n  - { from: ${A}, to: ${B} }\n  - { from: ${B}, to: ${A} }\n`,
      "form a cycle",
    ],
    [
      "the same source twice",
      `version: 1\nmoves:\n  - { from: ${A}, to: ${B} }\n  - { from: ${A}, to: { name: X } }\n`,
      "is already the source of move",
    ],
  ];
  let h: RunHarness;
  beforeAll(async () => {
    h = new RunHarness();
    await h.start(smallSeed());
  });
  afterAll(async () => {
    await h.close();
  });
  it.each(cases)("%s", async (_name, text, message) => {
    h.sandbox.clearLog();
    const res = await h.run(text);
    expect(res.code).toBe(2);
    expect(res.err.join("\n")).toContain(message);
    expect(res.err.at(-1)).toMatch(/invalid manifest; nothing was sent$/);
    expect(h.sandbox.requests).toHaveLength(0);
    expect(res.report).toBeNull();
  });
});
