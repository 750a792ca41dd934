import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../src/sandbox/server.js";
import { g, smallSeed } from "../helpers/portal.js";
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

  it("a dry run never asks", async () => {
    const run = await runInPty(["run", file, "--dry-run", "--report", join(dir, "r.json")], { env });
    expect(run.code).toBe(0);
    expect(plain(run.screen)).not.toContain("[y/N]");
  });
});
