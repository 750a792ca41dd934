import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../src/sandbox/server.js";
import { g, group, smallSeed, user } from "../helpers/portal.js";
import { render } from "../helpers/screen.js";
import { plain, runInPty } from "../helpers/pty.js";
import { KEY, manifest } from "../helpers/run.js";

describe("on a terminal (a pseudo-terminal)", () => {
  let sandbox: Sandbox;
  let dir: string;
  let file: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    sandbox = await startSandbox({ seed: smallSeed(), apiKey: KEY });
    dir = await mkdtemp(join(tmpdir(), "dm-tty-"));
    file = join(dir, "m.yaml");
    await writeFile(file, manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    env = { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: KEY, NO_COLOR: "1" };
  });
  afterEach(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });
  const writes = (): string[] =>
    sandbox.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

  it("a live run shows the preview and asks; anything but y sends nothing and writes nothing (exit 0)", async () => {
    const run = await runInPty(["run", file, "--report", join(dir, "r.json")], {
      env,
      answers: [{ when: /\[y\/N\] /, type: "n\r" }],
    });
    const screen = plain(run.screen);
    expect(run.code).toBe(0);
    expect(screen).toContain("Sales EMEA → Sales");
    expect(screen).toContain(`Apply 1 move (3 members) to ${sandbox.url}? [y/N]`);
    expect(writes()).toEqual([]);
    expect(await readdir(dir)).not.toContain("r.json");
    const journal = await readFile(join(dir, ".docspace-migrate", "journal.jsonl"), "utf8").catch(() => "");
    expect(journal).toBe("");
  });

  it("Ctrl+C at the question is a stop: nothing is sent, exit 130", async () => {
    const run = await runInPty(["run", file, "--report", join(dir, "r.json")], {
      env,
      answers: [{ when: /\[y\/N\] /, type: "\u0003" }],
    });
    expect(run.code).toBe(130);
    expect(writes()).toEqual([]);
    expect(await readdir(dir)).not.toContain("r.json");
  });

  it("y applies the moves", async () => {
    const run = await runInPty(["run", file, "--report", join(dir, "r.json")], {
      env,
      answers: [{ when: /\[y\/N\] /, type: "y\r" }],
    });
    expect(run.code).toBe(0);
    expect(writes()).toHaveLength(1);
    expect(plain(run.screen)).toMatch(/Result: succeeded \(exit 0\)/);
  });

  it("--yes does not ask", async () => {
    const run = await runInPty(["run", file, "--yes", "--report", join(dir, "r.json")], { env });
    expect(run.code).toBe(0);
    expect(plain(run.screen)).not.toContain("[y/N]");
    expect(writes()).toHaveLength(1);
  });

  /**
   * The sandbox again, with `count` more groups of one person each (groups and users 10, 11, …), slowed
   * to `latencyMs` a request: room for a live display.
   */
  const slower = async (count: number, latencyMs: number, displayName = (n: number) => `User ${n}`) => {
    await sandbox.close();
    const seed = smallSeed();
    const extra = Array.from({ length: count }, (_, i) => i + 10);
    sandbox = await startSandbox({
      seed: {
        users: [...seed.users, ...extra.map((n) => user(n, { displayName: displayName(n) }))],
        groups: [...seed.groups, ...extra.map((n) => group(n, [n]))],
      },
      apiKey: KEY,
      faults: { latencyMs },
    });
    env = { ...env, DOCSPACE_URL: sandbox.url };
    return extra;
  };

  it("a live display on stderr: the preflight's reads, then moves, members, failures, retries, waits; log lines above it, whole", async () => {
    await slower(12, 40, (n) => (n === 10 ? "李小龍 Wide" : `User ${n}`));
    // Six disjoint moves, and debug logging: a log line per request, written while the display is live.
    const moves = [10, 12, 14, 16, 18, 20].map((n) => `{ id: m${n}, from: ${g(n)}, to: ${g(n + 1)} }`);
    await writeFile(file, manifest(...moves));
    const run = await runInPty(
      ["--log-level", "debug", "run", file, "--yes", "--concurrency", "2", "--report", join(dir, "r.json")],
      { env, columns: 160 },
    );
    expect(run.code).toBe(0);
    const raw = plain(run.screen);
    expect(raw).toMatch(/reading the portal: \d+ requests? so far/);
    const screen = render(run.screen, 160);
    // The display's last frame, whole, on one row.
    expect(screen).toContainEqual(
      expect.stringMatching(
        /^6\/6 moves · 6 members moved · 0 failed · 0 retries · 0 rate-limit waits · done$/,
      ),
    );
    // Every log line is whole: it starts with its time and never shares a row with the display.
    const logRows = screen.filter((r) => /DEBUG|INFO/.test(r));
    expect(logRows.length).toBeGreaterThan(6);
    for (const r of logRows) {
      expect(r).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] (DEBUG|INFO): /);
      expect(r).not.toMatch(/moves ·|reading the portal/);
    }
    // Only the last frame stays: no torn frames left on screen.
    expect(screen.filter((r) => /moves ·|reading the portal/.test(r))).toHaveLength(1);
  });

  it("Ctrl+C while the display is live: the stop's notice stays above it, and its last frame counts the moves not attempted, never 'done' (130)", async () => {
    const extra = await slower(40, 150);
    const moves = extra
      .filter((n) => n % 2 === 0)
      .map((n) => `{ id: m${n}, from: ${g(n)}, to: ${g(n + 1)} }`);
    await writeFile(file, manifest(...moves));
    const run = await runInPty(
      ["run", file, "--yes", "--concurrency", "1", "--report", join(dir, "r.json")],
      { env, columns: 160, answers: [{ when: /\d+\/20 moves ·/, type: "\u0003" }] },
    );
    expect(run.code).toBe(130);
    const screen = render(run.screen, 160);
    expect(screen).toContain("SIGINT: stopping (send it again to exit at once)");
    const frames = screen.filter((r) => /moves ·/.test(r));
    expect(frames).toHaveLength(1);
    const [, done, left] = /^(\d+)\/20 moves · .* · ended, (\d+) not attempted$/.exec(frames[0] ?? "") ?? [];
    expect(Number(left)).toBeGreaterThan(0);
    expect(Number(done) + Number(left)).toBe(20);
  });

  it("a dry run never asks", async () => {
    const run = await runInPty(["run", file, "--dry-run", "--report", join(dir, "r.json")], { env });
    expect(run.code).toBe(0);
    expect(plain(run.screen)).not.toContain("[y/N]");
  });
});
