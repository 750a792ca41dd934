import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SavedPlan } from "../../src/plan/saved-plan.js";
import { loadSeedFile } from "../../src/sandbox/seed.js";
import { g, group, smallSeed, u } from "../helpers/portal.js";
import { RunHarness, manifest } from "../helpers/run.js";

const sorted = (list: readonly string[] | undefined): string[] => [...(list ?? [])].sort();

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

describe("run --dry-run", () => {
  it("sends only GET requests and changes nothing, by construction", async () => {
    await h.start(smallSeed());
    const before = JSON.stringify(h.sandbox.model.toSeed());
    const res = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
      { dryRun: true },
    );
    expect(res.code).toBe(0);
    expect(new Set(h.sandbox.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
    expect(JSON.stringify(h.sandbox.model.toSeed())).toBe(before);
    expect(res.report).toMatchObject({
      mode: "dry-run",
      outcome: "succeeded",
      exitCode: 0,
      summary: { planned: 2, succeeded: 0 },
    });
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "planned", null],
      ["b", "planned", null],
    ]);
  });

  it("predicts who moves, who is already there, the dropped guest, the manager, and the disabled user left behind", async () => {
    await h.start(smallSeed());
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`), { dryRun: true });
    const move = res.report?.moves[0];
    expect(move).toMatchObject({
      before: { source: [u(1), u(2), u(3), u(5), u(6)], destination: [u(6), u(7)], sourceManager: u(1) },
      alreadyInDestination: [u(6)],
      droppedGuests: [u(3)],
      guestsLeftInSource: [],
      managerRemoved: u(1),
      completion: null,
      preview: {
        sourceBefore: 5,
        sourceAfter: 0,
        destinationBefore: 2,
        destinationAfter: 5,
        disabledLeftBehind: [u(4)],
        emptiesSource: false,
      },
    });
    expect(sorted(move?.moved)).toEqual([u(1), u(2), u(5)].sort());
    expect(res.out).toEqual(
      expect.arrayContaining([
        "DocSpace 3.7.2: the move takes members out of the source; guests are removed and added nowhere, the source's manager loses the role",
        "Guests DocSpace will remove from the source and add to no group:",
        '  - a: User 3 (leaves "Sales EMEA")',
        "Managers who lose the manager role (they become plain members of the destination):",
        '  - a: Olaf Svensson (manager of "Sales EMEA")',
        "Disabled users left behind in the source:",
        '  - a: User 4 (stays in "Sales EMEA")',
        `  a: "Sales EMEA" (${g(1)}) → "Sales" (${g(2)})`,
        "    moves (3): Olaf Svensson, User 2, User 5",
        '    already in "Sales" (1): User 6',
      ]),
    );
    // The disabled users were read with the people filter, in the preview only.
    expect(h.calls()).toContain("GET /api/2.0/people/filter");
  });

  it("says first that a portal before v3.7.1 copies, and predicts the completion", async () => {
    await h.start(smallSeed(), { version: "3.6.2" });
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`), { dryRun: true });
    expect(res.out[1]).toBe(
      "DocSpace 3.6.2: before v3.7.1, the move only copies members; the run completes each move by removing them from the source (guests stay there)",
    );
    expect(res.report?.moves[0]).toMatchObject({
      completion: "removed-from-source",
      droppedGuests: [],
      guestsLeftInSource: [u(3)],
      managerRemoved: u(1),
    });
    expect(res.out).toContain('  - a: User 3 (stays in "Sales EMEA")');
  });

  it("lists blocking problems exactly as a run refuses them, and exits 1", async () => {
    await h.start(smallSeed());
    const text = manifest(
      `{ id: a, from: { name: Nope }, to: ${g(2)} }`,
      `{ id: b, from: ${g(99)}, to: ${g(4)} }`,
    );
    const preview = await h.run(text, { dryRun: true });
    const run = await h.run(text);
    expect(preview.code).toBe(1);
    expect(run.code).toBe(1);
    expect(preview.report?.problems).toEqual(run.report?.problems);
    expect(preview.report?.problems).toHaveLength(2);
    expect(preview.out).toContain("Blocking problems (a run would send nothing and exit 1):");
  });

  it("accepts a read-only key, noting what a run would meet", async () => {
    const readKey = `sk-${"3".repeat(64)}`;
    await h.start({
      ...smallSeed(),
      apiKeys: [{ key: readKey, scopes: ["accounts:read", "accounts.self:read"] }],
    });
    const res = await h.run(
      manifest(`{ from: ${g(1)}, to: ${g(2)} }`),
      { dryRun: true },
      { DOCSPACE_API_KEY: readKey },
    );
    expect(res.code).toBe(0);
    expect(res.report?.warnings).toContain(
      "key: a run with this key would stop before any write: the key's permissions (accounts:read, accounts.self:read) do not include accounts:write, which moving members needs",
    );
  });

  it("names the example's guests and manager changes", async () => {
    const seed = await loadSeedFile("examples/sandbox-portal.json");
    if (!seed.ok) throw new Error("seed");
    await h.start(seed.seed);
    // The example's split reads its people from a CSV beside it.
    await mkdir(join(h.dir, "examples"));
    await copyFile("examples/escalations.csv", join(h.dir, "examples", "escalations.csv"));
    const res = await h.run(await readFile("migrations.example.yaml", "utf8"), { dryRun: true });
    expect(res.code).toBe(0);
    expect(res.out).toEqual(
      expect.arrayContaining([
        '  - apac-into-sales: Ida Kim (agency) (leaves "Sales APAC")',
        '  - platform-into-engineering: Marco Weber (contractor) (leaves "Platform Team")',
        '  - emea-into-sales: Olaf Svensson (manager of "Sales EMEA")',
        '  - engineering-into-rnd: Leon Li (manager of "Engineering")',
        '  - move-3: Priya Nilsson (stays in "Customer Support Tier 1")',
      ]),
    );
    expect(res.out.some((l) => l.includes('chain through "Engineering"'))).toBe(true);
  });
});

describe("saved plans", () => {
  it("saves the preview as a versioned plan, and runs it", async () => {
    await h.start(smallSeed());
    const planFile = join(h.dir, "plan.json");
    const text = manifest(`{ id: a, from: ${g(1)}, to: { name: Sales } }`);
    const preview = await h.run(text, { dryRun: true, planOut: planFile });
    expect(preview.out.at(-1)).toBe(
      `Plan: ${planFile} (run it with: docspace-migrate run ${join(h.dir, "manifest.yaml")} --plan ${planFile})`,
    );
    const plan = JSON.parse(await readFile(planFile, "utf8")) as SavedPlan;
    expect(plan).toMatchObject({
      planVersion: 1,
      portal: h.sandbox.url,
      portalVersion: "3.7.2",
      manifest: { sha256: preview.report?.manifest.sha256 },
      moves: [{ id: "a", from: { id: g(1), name: "Sales EMEA" }, to: { id: g(2), name: "Sales" } }],
    });
    expect(plan.moves[0]?.from.membersHash).toMatch(/^[0-9a-f]{64}$/);
    h.sandbox.clearLog();
    const run = await h.run(text, { plan: planFile });
    expect(run.code).toBe(0);
    // Pinned ids: the name is not searched again.
    expect(h.calls()).not.toContain("GET /api/2.0/group");
  });

  it("refuses, per pair, any whose groups changed since, and runs the rest (exit 1)", async () => {
    const seed = smallSeed();
    await h.start({ ...seed, groups: [...seed.groups, group(5, [], null, "Archive")] });
    const planFile = join(h.dir, "plan.json");
    const text = manifest(
      `{ id: a, from: ${g(1)}, to: ${g(2)} }`,
      `{ id: b, from: ${g(2)}, to: ${g(5)} }`,
      `{ id: c, from: ${g(3)}, to: ${g(4)} }`,
    );
    expect((await h.run(text, { dryRun: true, planOut: planFile })).code).toBe(0);
    h.sandbox.model.addMembers(g(1), [u(8)]); // someone joins Sales EMEA after the preview
    const run = await h.run(text, { plan: planFile });
    expect(run.code).toBe(1);
    expect(run.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "skipped", "stale-plan"],
      ["b", "skipped", "dependency-failed"],
      ["c", "succeeded", null],
    ]);
    expect(run.report?.moves[0]?.warnings).toEqual([
      'not run: the members of "Sales EMEA" changed since the plan was made',
    ]);
    expect(h.sandbox.model.group(g(1))?.memberIds).toContain(u(8));
  });

  it("refuses a plan for another portal, or for a manifest that changed (exit 2, nothing sent)", async () => {
    await h.start(smallSeed());
    const planFile = join(h.dir, "plan.json");
    const text = manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`);
    await h.run(text, { dryRun: true, planOut: planFile });
    h.sandbox.clearLog();
    const changed = await h.run(`${text}# edited\n`, { plan: planFile });
    expect([changed.code, changed.err]).toEqual([
      2,
      [
        `${planFile}: the manifest changed since the plan was made; preview it again with --plan-out; nothing was sent`,
      ],
    ]);
    const plan = JSON.parse(await readFile(planFile, "utf8")) as SavedPlan;
    await writeFile(planFile, JSON.stringify({ ...plan, portal: "https://other.example.com" }));
    const other = await h.run(text, { plan: planFile });
    expect(other.code).toBe(2);
    expect(other.err[0]).toContain(`the plan is for https://other.example.com, not ${h.sandbox.url}`);
    expect(h.sandbox.requests).toHaveLength(0);
    expect((await h.run(text, { planOut: planFile })).code).toBe(2);
  });

  it("a move done by an earlier run whose source is gone since: planned as done, and the plan runs as done", async () => {
    await h.start(smallSeed());
    const planFile = join(h.dir, "plan.json");
    const text = manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`);
    expect((await h.run(text)).code).toBe(0);
    h.sandbox.model.removeGroup(g(1));
    const preview = await h.run(text, { dryRun: true, planOut: planFile });
    expect(preview.code).toBe(0);
    expect(preview.report?.moves[0]).toMatchObject({ status: "skipped", reason: "already-done" });
    const run = await h.run(text, { plan: planFile });
    expect(run.code).toBe(0);
    expect(run.report?.moves[0]).toMatchObject({ status: "skipped", reason: "already-done" });
    // Forced, the move is checked again: its source is missing.
    const forced = await h.run(text, { plan: planFile, force: true });
    expect(forced.code).toBe(1);
    expect(forced.report?.problems[0]).toContain("the group does not exist (or was deleted)");
  });

  it("writes no plan when the preview found blocking problems", async () => {
    await h.start(smallSeed());
    const planFile = join(h.dir, "plan.json");
    const res = await h.run(manifest(`{ id: a, from: ${g(99)}, to: ${g(2)} }`), {
      dryRun: true,
      planOut: planFile,
    });
    expect(res.code).toBe(1);
    expect(res.err).toEqual([`no plan written to ${planFile}: the preview found blocking problems`]);
    await expect(readFile(planFile)).rejects.toThrow();
  });
});
