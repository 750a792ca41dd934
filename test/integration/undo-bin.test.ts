import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Report } from "../../src/report/types.js";
import { parseJournal } from "../../src/state/history.js";
import { BIN, runBin } from "../helpers/cli.js";
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
const members = (id: string): string[] => [...(h.sandbox.model.group(id)?.memberIds ?? [])].sort();
const env = (): Record<string, string> => ({ DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY });

/** The two moves run through the bin, then their report saved under `name` as if it named `portal`. */
async function ranWithReportFor(portal: string, name: string): Promise<void> {
  await h.start(smallSeed());
  const file = join(h.dir, "m.yaml");
  await writeFile(file, TWO);
  expect((await runBin(["run", file, "--report", join(h.dir, "r.json")], { env: env() })).code).toBe(0);
  const report = JSON.parse(await readFile(join(h.dir, "r.json"), "utf8")) as Report;
  await writeFile(join(h.dir, name), JSON.stringify({ ...report, portal }));
}

describe("undo through the built bin (SPEC §4.9, §1)", () => {
  it("from another directory finds the run's state directory: the next run moves the members again", async () => {
    await h.start(smallSeed());
    const project = join(h.dir, "project");
    await mkdir(project);
    await writeFile(join(project, "m.yaml"), TWO);
    const ran = await runBin(["run", "m.yaml", "--report", "r.json"], { cwd: project, env: env() });
    expect(ran.code).toBe(0);
    const report = JSON.parse(await readFile(join(project, "r.json"), "utf8")) as Report;
    expect(report.manifest.path).toBe(join(project, "m.yaml"));

    const undone = await runBin(["undo", join(project, "r.json")], { cwd: h.dir, env: env() });
    expect(undone.code).toBe(0);
    const journal = parseJournal(await readFile(join(project, ".docspace-migrate", "journal.jsonl"), "utf8"));
    expect(
      journal.filter((r) => r.event === "finished").map((r) => [r.moveId, "status" in r && r.status]),
    ).toEqual([
      ["a", "succeeded"],
      ["b", "succeeded"],
      ["b", "undone"],
      ["a", "undone"],
    ]);
    expect(journal.filter((r) => r.event === "started").map((r) => [r.moveId, "op" in r && r.op])).toEqual([
      ["a", "move"],
      ["b", "move"],
      ["b", "undo"],
      ["a", "undo"],
    ]);

    const again = await runBin(["run", "m.yaml", "--report", "r2.json"], { cwd: project, env: env() });
    expect(again.code).toBe(0);
    const second = JSON.parse(await readFile(join(project, "r2.json"), "utf8")) as Report;
    expect(second.moves.map((m) => m.status)).toEqual(["succeeded", "succeeded"]);

    // The same report undone twice: each move is already undone... after the second run, it is done again;
    // undoing the first report once more puts back what the second run moved.
    const twice = await runBin(["undo", join(project, "r.json")], { cwd: h.dir, env: env() });
    expect(twice.code).toBe(0);
    const third = await runBin(["undo", join(project, "r.json")], { cwd: h.dir, env: env() });
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/already/);
  });

  it("refuses a report whose portal is plain http to a remote host: nothing sent, the key stays home", async () => {
    await ranWithReportFor("http://portal.example.com", "tampered.json");
    h.sandbox.clearLog();
    const res = await runBin(["undo", join(h.dir, "tampered.json")], { env: { DOCSPACE_API_KEY: KEY } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/https/);
    expect(res.stderr).toMatch(/nothing was sent/);
    expect(res.stderr).not.toContain(KEY);
    expect(h.sandbox.requests).toEqual([]);
  });

  it("takes the key from the variable the manifest names (portal.apiKeyEnv)", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(
      file,
      `version: 1\nportal:\n  url: ${h.sandbox.url}\n  apiKeyEnv: SALES_KEY\nmoves:\n  - { from: ${g(3)}, to: ${g(4)} }\n`,
    );
    const keyEnv = { SALES_KEY: KEY };
    expect((await runBin(["run", file, "--report", join(h.dir, "r.json")], { env: keyEnv })).code).toBe(0);
    const res = await runBin(["undo", join(h.dir, "r.json")], { env: keyEnv });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('"event":"move.succeeded"');
    expect(members(g(3))).toEqual([u(8)]);
  });

  it("DOCSPACE_URL overrides the portal the report names (the report's portal is never reached)", async () => {
    await ranWithReportFor("https://old-name.example.com", "moved.json");
    const res = await runBin(["undo", join(h.dir, "moved.json"), "--report", join(h.dir, "u.json")], {
      env: env(),
    });
    expect(res.code).toBe(0);
    const undone = JSON.parse(await readFile(join(h.dir, "u.json"), "utf8")) as Report;
    expect([undone.portal, undone.moves.map((m) => m.status)]).toEqual([
      h.sandbox.url,
      ["succeeded", "succeeded"],
    ]);
  });

  it("a report whose moves moved no one: nothing to undo (exit 0, nothing written)", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(file, manifest(`{ id: e, from: ${g(4)}, to: ${g(3)} }`));
    await runBin(["run", file, "--report", join(h.dir, "r.json"), "--exclude", "e"], { env: env() });
    h.sandbox.clearLog();
    const res = await runBin(["undo", join(h.dir, "r.json"), "--report", join(h.dir, "u.json")], {
      env: env(),
    });
    expect([res.code, res.stdout]).toEqual([
      0,
      "nothing to undo: no move of it moved anyone on this portal\n",
    ]);
    expect(h.sandbox.requests).toEqual([]);
    await expect(readFile(join(h.dir, "u.json"))).rejects.toThrow();
  });

  it("undo <manifest> after runs that were killed puts back every move the journal records as done", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(file, TWO);
    const before = { g1: members(g(1)), g2: members(g(2)), g3: members(g(3)), g4: members(g(4)) };
    // Each run is killed (SIGKILL: no report) while its second move's PUT waits; the first is journaled done.
    h.sandbox.faults.script((r) =>
      r.method === "PUT" && r.path.includes(g(3)) ? { kind: "hang" } : undefined,
    );
    const child = spawn(process.execPath, [BIN, "run", file, "--concurrency", "1", "--timeout", "30"], {
      env: { PATH: process.env.PATH ?? "", ...env() },
      stdio: "ignore",
    });
    const closed = new Promise((resolve) => child.on("close", resolve));
    const journalFile = join(h.dir, ".docspace-migrate", "journal.jsonl");
    for (;;) {
      const text = await readFile(journalFile, "utf8").catch(() => "");
      // The first move's result is on disk (written once its slot is free) and the second has started.
      const records = parseJournal(text);
      if (
        records.some((r) => r.event === "finished" && r.moveId === "a") &&
        records.some((r) => r.event === "started" && r.moveId === "b")
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGKILL");
    await closed;
    h.sandbox.faults.script(() => undefined);
    expect(members(g(2))).not.toEqual(before.g2);

    const res = await runBin(["undo", file, "--report", join(h.dir, "u.json")], { env: env() });
    expect(res.code).toBe(0);
    const report = JSON.parse(await readFile(join(h.dir, "u.json"), "utf8")) as Report;
    expect(report.mode).toBe("undo");
    expect(report.moves.map((m) => [m.id, m.status])).toEqual([["a", "succeeded"]]);
    expect(report.warnings).toContain(
      'move "b" is in doubt (a run stopped before recording its result) and is not undone: run the manifest again to settle it, then undo',
    );
    expect(members(g(1))).toEqual(before.g1.filter((id) => id !== u(3))); // the guest DocSpace dropped stays out
    expect(members(g(2))).toEqual(before.g2);
    expect(h.sandbox.model.group(g(1))?.managerId).toBe(u(1));
  });
});
