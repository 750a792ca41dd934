import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { g, smallSeed, u } from "../helpers/portal.js";
import { manifest, RunHarness, validateReport } from "../helpers/run.js";

let h: RunHarness;

const undo = (file: string, dryRun = false) => h.undo(file, dryRun, { DOCSPACE_URL: h.sandbox.url });

describe("create: true (SPEC §3a)", () => {
  beforeEach(() => {
    h = new RunHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const named = (name: string) =>
    h.sandbox.model.listGroups({ count: 1000 }).items.filter((x) => x.name === name);

  const text = manifest(
    `{ id: a, from: ${g(1)}, to: { name: Sales North, create: true } }`,
    `{ id: b, from: ${g(3)}, to: { name: Sales North, create: true } }`,
  );

  it("a run that leaves out the move creating a group reports that group without an id, in the report's own schema, and undo reads it", async () => {
    await h.start(smallSeed());
    const both = manifest(
      `{ id: a, from: ${g(1)}, to: { name: Sales North, create: true } }`,
      `{ id: b, from: ${g(3)}, to: ${g(4)} }`,
    );
    let reportPath = "";
    for (const dryRun of [true, false]) {
      const res = await h.run(both, { only: ["b"], dryRun });
      expect(res.code).toBe(0);
      expect(validateReport(res.report)).toBe(true);
      expect(res.report?.moves[0]).toMatchObject({
        status: "skipped",
        reason: "excluded",
        to: { id: null, name: "Sales North" },
      });
      reportPath = res.reportPath;
    }
    const back = await undo(reportPath);
    expect([back.code, back.err]).toEqual([0, []]);
    expect(back.report?.moves.map((m) => [m.id, m.status])).toEqual([["b", "succeeded"]]);
    expect(named("Sales North")).toEqual([]);
  });

  it("the preview says the group will be created and sends no write", async () => {
    await h.start(smallSeed());
    const res = await h.run(text, { dryRun: true });
    expect(res.code).toBe(0);
    expect(h.calls().filter((c) => !c.startsWith("GET"))).toEqual([]);
    expect(res.report?.moves[0]).toMatchObject({ status: "planned", created: true });
    expect(res.report?.moves[0]?.warnings).toContain(
      '"Sales North" will be created (no group has that name yet)',
    );
    expect(res.report?.moves[1]?.created).toBeUndefined();
    expect(named("Sales North")).toEqual([]);
  });

  it("v3.6 creates skip an invalid manager silently (§10.6); the tool never relies on it: a split ends as planned", async () => {
    await h.start(smallSeed(), { version: "3.6.2" });
    const post = (manager: string) =>
      fetch(`${h.sandbox.url}/api/2.0/group`, {
        method: "POST",
        headers: { Authorization: `Bearer ${h.sandbox.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ groupName: "Probe", groupManager: manager }),
      });
    // The model: a guest manager is dropped without a word before v3.7.1, refused after.
    const skipped = await post(u(3));
    expect(skipped.status).toBe(200);
    expect(((await skipped.json()) as { response: { manager?: unknown } }).response.manager).toBeUndefined();
    const split = manifest(
      `{ id: north, from: ${g(1)}, to: { name: Sales North, create: true }, members: [${u(2)}, ${u(6)}], manager: ${u(6)} }`,
    );
    const preview = await h.run(split, { dryRun: true });
    const res = await h.run(split);
    expect(res.code).toBe(0);
    const created = named("Sales North");
    expect(created).toHaveLength(1);
    // Created bare, then filled and given its manager, each write checked from its answer.
    const creates = h.sandbox.requests.filter((r) => r.method === "POST" && r.path === "/api/2.0/group");
    expect(creates.map((r) => r.body)).toEqual([
      { groupName: "Probe", groupManager: u(3) },
      { groupName: "Sales North", members: [] },
    ]);
    expect(created[0]?.managerId).toBe(u(6));
    expect([...(created[0]?.memberIds ?? [])].sort()).toEqual([u(2), u(6)].sort());
    expect(h.sandbox.model.group(g(1))?.memberIds).not.toContain(u(2));
    expect(res.report?.moves[0]).toMatchObject({ status: "succeeded", created: true, managerSet: u(6) });
    expect(preview.report?.moves[0]?.preview?.destinationMembersAfter.slice().sort()).toEqual(
      [u(2), u(6)].sort(),
    );
  });

  it("a run creates it once, right before its first move, and both moves fill it", async () => {
    await h.start(smallSeed());
    const preview = await h.run(text, { dryRun: true });
    const res = await h.run(text);
    expect(res.code).toBe(0);
    const groups = named("Sales North");
    expect(groups).toHaveLength(1);
    const id = groups[0]?.id ?? "";
    expect(h.calls().filter((c) => c.startsWith("POST"))).toEqual(["POST /api/2.0/group"]);
    expect(res.report?.moves.map((m) => [m.id, m.status, m.to.id, m.created])).toEqual([
      ["a", "succeeded", id, true],
      ["b", "succeeded", id, undefined],
    ]);
    // The preview was the run: the same people moved.
    expect(res.report?.moves.map((m) => [...m.moved].sort())).toEqual(
      preview.report?.moves.map((m) => [...m.moved].sort()),
    );
    expect([...(h.sandbox.model.group(id)?.memberIds ?? [])].sort()).toEqual(
      [...(res.report?.moves.flatMap((m) => [...m.moved, ...m.alreadyInDestination]) ?? [])].sort(),
    );
    // Run again: the group is found by its exact name, nothing is created, the moves are done.
    const again = await h.run(text);
    expect(again.code).toBe(0);
    expect(named("Sales North")).toHaveLength(1);
    expect(again.report?.moves.map((m) => m.reason)).toEqual(["already-done", "already-done"]);
  });

  it("after a run that created the group but failed to move, the next run uses the group it made", async () => {
    await h.start(smallSeed());
    const only = manifest(`{ id: a, from: ${g(1)}, to: { name: Sales North, create: true } }`);
    // The move itself is refused once (400, not retried), after the group was created.
    h.sandbox.faults.script((r) =>
      r.method === "PUT" && /\/members\/[0-9a-f-]+$/.test(r.path)
        ? { kind: "status", status: 400 }
        : undefined,
    );
    const first = await h.run(only);
    expect(first.code).toBe(1);
    expect(first.report?.moves[0]).toMatchObject({ status: "failed", created: true });
    expect(named("Sales North")).toHaveLength(1);
    h.sandbox.faults.clearScripts();
    const second = await h.run(only);
    expect(second.code).toBe(0);
    expect(named("Sales North")).toHaveLength(1);
    expect(h.calls().filter((c) => c.startsWith("POST"))).toHaveLength(1);
    expect(second.report?.moves[0]).toMatchObject({
      status: "succeeded",
      to: { id: named("Sales North")[0]?.id },
    });
    expect(second.report?.moves[0]?.created).toBeUndefined();
  });

  it("a run killed between the create and the move: the next run finds the group and creates no second one", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "manifest.yaml");
    await writeFile(file, manifest(`{ id: a, from: ${g(1)}, to: { name: Sales North, create: true } }`));
    // The move never gets an answer: the process is killed while it waits, after the create.
    h.sandbox.faults.script((r) =>
      r.method === "PUT" && /\/members\/[0-9a-f-]+$/.test(r.path) ? { kind: "hang" } : undefined,
    );
    const killed = await h.runKilledWhen(
      ["run", file, "--report", join(h.dir, "killed.json")],
      (r) => r.method === "PUT",
    );
    expect(killed.signal).toBe("SIGKILL");
    expect(named("Sales North")).toHaveLength(1);
    h.sandbox.faults.clearScripts();
    const next = await h.run(await readFile(file, "utf8"));
    expect(next.code).toBe(0);
    expect(named("Sales North")).toHaveLength(1);
    expect(h.calls().filter((c) => c.startsWith("POST"))).toHaveLength(1);
    expect(next.report?.moves[0]).toMatchObject({ status: "succeeded" });
    expect(next.report?.moves[0]?.moved.length).toBeGreaterThan(0);
  });

  it.each(["report", "manifest"])(
    "undo (from the %s) puts everyone back and deletes the group the run created, once empty",
    async (from) => {
      await h.start(smallSeed());
      const before = h.sandbox.model.toSeed();
      const run = await h.run(text);
      expect(run.code).toBe(0);
      const created = named("Sales North")[0]?.id ?? "";
      const target = from === "report" ? run.reportPath : join(h.dir, "manifest.yaml");
      const preview = await undo(target, true);
      expect(preview.report?.moves.flatMap((m) => m.warnings)).toContain(
        'would delete "Sales North" once it is empty again (the run created it)',
      );
      expect(named("Sales North")).toHaveLength(1);
      const res = await undo(target);
      expect(res.code).toBe(0);
      expect(named("Sales North")).toEqual([]);
      expect(h.calls()).toContain(`DELETE /api/2.0/group/${created}`);
      expect(res.report?.moves.flatMap((m) => m.warnings)).toContain(
        'deleted "Sales North", which the run had created',
      );
      // Every other group as it was (guests DocSpace dropped excepted).
      const members = (id: string): string[] => [...(h.sandbox.model.group(id)?.memberIds ?? [])].sort();
      for (const group of before.groups.filter((x) => x.id !== g(1)))
        expect(members(group.id)).toEqual([...group.memberIds].sort());
    },
  );

  it("keeps a created group that someone joined since, and says so", async () => {
    await h.start(smallSeed());
    const run = await h.run(manifest(`{ id: a, from: ${g(3)}, to: { name: Sales North, create: true } }`));
    const created = named("Sales North")[0]?.id ?? "";
    h.sandbox.model.addMembers(created, [u(7)]);
    const res = await undo(run.reportPath);
    expect(res.code).toBe(0);
    expect(named("Sales North")).toHaveLength(1);
    expect(res.report?.moves[0]?.warnings).toContain(
      '"Sales North", which the run created, still has 1 member(s) and is kept',
    );
  });

  it("a saved plan that creates a group runs: the group is looked up by name again, and created", async () => {
    await h.start(smallSeed());
    const plan = join(h.dir, "plan.json");
    const preview = await h.run(text, { dryRun: true, planOut: plan });
    expect(preview.code).toBe(0);
    const res = await h.run(text, { plan });
    expect(res.code).toBe(0);
    expect(named("Sales North")).toHaveLength(1);
    expect(res.report?.moves.map((m) => m.status)).toEqual(["succeeded", "succeeded"]);
  });
});
