import { mkdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import type { HistoryLine } from "../../src/state/history.js";
import { lockFileFor } from "../../src/state/lock.js";
import { runBin } from "../helpers/cli.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

describe("history and unlock (built bin; files only, nothing sent)", () => {
  it("history lists each move by portal: done, then undone; --json gives the same records", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(
      file,
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
    );
    const env = { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY };
    expect((await runBin(["run", file, "--report", join(h.dir, "r.json")], { env })).code).toBe(0);
    expect(
      (await runBin(["undo", join(h.dir, "r.json"), "--report", join(h.dir, "u.json")], { env })).code,
    ).toBe(0);
    await runBin(["run", file, "--only", "b", "--report", join(h.dir, "r2.json")], { env });
    h.sandbox.clearLog();

    const text = await runBin(["history", file]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines[0]).toBe(`portal ${h.sandbox.url}`);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([
      ["a", "undone"],
      ["b", "done"],
    ]);
    const json = JSON.parse((await runBin(["history", file, "--json"])).stdout) as HistoryLine[];
    expect(json.map((l) => [l.moveId, l.state, l.portal])).toEqual([
      ["a", "undone", h.sandbox.url],
      ["b", "done", h.sandbox.url],
    ]);
    expect(h.sandbox.requests).toEqual([]);
  });

  it("unlock: no lock says so; a live owner's lock stays (exit 5); a gone owner's lock is removed", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(file, manifest(`{ from: ${g(3)}, to: ${g(4)} }`));
    const stateDir = join(h.dir, ".docspace-migrate");
    expect(await runBin(["unlock", file])).toMatchObject({ code: 0, stdout: `no lock on ${stateDir}\n` });

    await mkdir(stateDir, { recursive: true });
    const lock = (pid: number) =>
      writeFile(
        join(stateDir, lockFileFor(h.sandbox.url)),
        JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString(), runId: "r" }),
      );
    await lock(process.pid);
    const live = await runBin(["unlock", file]);
    expect(live.code).toBe(5);
    expect(live.stderr).toContain("is held by a run that is still going");

    await lock(spawnSync(process.execPath, ["-e", "0"]).pid);
    const gone = await runBin(["unlock", file]);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(/^removed lock\.127\.0\.0\.1_\d+ in .*, left by a process that is gone/);
    expect(await runBin(["unlock", file])).toMatchObject({ code: 0, stdout: `no lock on ${stateDir}\n` });
  });

  it("-V prints the version, as --version does", async () => {
    await h.start(smallSeed());
    const [short, long] = await Promise.all([runBin(["-V"]), runBin(["--version"])]);
    expect(short.stdout).toBe(long.stdout);
    expect(short.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
