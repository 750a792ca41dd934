import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
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
const members = (id: string): string[] => [...(h.sandbox.model.group(id)?.memberIds ?? [])].sort();
const writes = (): string[] => h.calls().filter((c) => !c.startsWith("GET"));

describe("members: a partial move (SPEC §3a)", () => {
  // Sales EMEA (g1, manager u1; u2 active, u3 guest, u4 disabled, u5 pending, u6) into Support (g3: u8).
  const text = manifest(`{ id: a, from: ${g(1)}, to: ${g(3)}, members: [user2@example.com, ${u(5)}] }`);

  it("moves only the people named: added to the destination, then taken out of the source; the preview is the run", async () => {
    await h.start(smallSeed());
    const preview = await h.run(text, { dryRun: true });
    expect(preview.code).toBe(0);
    expect(writes()).toEqual([]);
    const res = await h.run(text);
    expect(res.code).toBe(0);
    expect(writes()).toEqual([`PUT /api/2.0/group/${g(3)}/members`, `DELETE /api/2.0/group/${g(1)}/members`]);
    expect(res.report?.moves[0]).toMatchObject({
      status: "succeeded",
      moved: [u(2), u(5)],
      managerRemoved: null,
    });
    expect(preview.report?.moves[0]?.moved).toEqual(res.report?.moves[0]?.moved);
    expect(members(g(3))).toEqual([u(2), u(5), u(8)].sort());
    expect(members(g(1))).toEqual([u(1), u(3), u(6)].sort()); // (u4, disabled, is not listed)
    expect(h.sandbox.model.group(g(1))?.managerId).toBe(u(1));
  });

  it("several partial moves may split one source; the source's manager who moves loses the role", async () => {
    await h.start(smallSeed());
    const res = await h.run(
      manifest(
        `{ id: a, from: ${g(1)}, to: ${g(3)}, members: [${u(1)}] }`,
        `{ id: b, from: ${g(1)}, to: ${g(4)}, members: [${u(2)}, ${u(6)}] }`,
      ),
    );
    expect(res.code).toBe(0);
    expect(res.report?.moves[0]).toMatchObject({ managerRemoved: u(1) });
    expect(h.sandbox.model.group(g(1))?.managerId).toBeNull();
    expect(members(g(4))).toEqual([u(2), u(6)].sort());
  });

  it.each([
    ["a guest", u(3), /is a guest; DocSpace does not put guests in groups/],
    ["a disabled user", u(4), /is disabled; DocSpace would silently skip them/],
    ["someone not in the source", u(8), /is not a member of "Sales EMEA"/],
    ["nobody", "nobody@example.com", /nobody on the portal is nobody@example\.com/],
  ])("refuses %s before any write (exit 1)", async (_what, who, message) => {
    await h.start(smallSeed());
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(3)}, members: [${who}] }`));
    expect(res.code).toBe(1);
    expect(writes()).toEqual([]);
    expect(res.report?.problems[0]).toMatch(/manifest\.yaml:3:\d+ moves\[0\]\.members: /);
    expect(res.report?.problems[0]).toMatch(message);
  });

  it("someone DocSpace skips anyway (disabled after the preview) is caught from the answer: unverified, nobody removed", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script((r) => {
      if (r.method === "PUT" && r.path.endsWith("/members"))
        (h.sandbox.model.user(u(2)) as { status: number }).status = 2;
      return undefined;
    });
    const res = await h.run(text);
    expect(res.code).toBe(1);
    expect(res.report?.moves[0]).toMatchObject({ status: "failed", reason: "unverified" });
    expect(res.report?.moves[0]?.error?.message).toMatch(
      /did not add 1 of them .*User 2.*nobody was taken out/,
    );
    expect(writes()).toEqual([`PUT /api/2.0/group/${g(3)}/members`]);
  });

  it("a run killed between the add and the remove is completed by the next run", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "manifest.yaml");
    await writeFile(file, text);
    h.sandbox.faults.script((r) =>
      r.method === "DELETE" && r.path.endsWith("/members") ? { kind: "hang" } : undefined,
    );
    const killed = await h.runKilledWhen(
      ["run", file, "--report", join(h.dir, "killed.json")],
      (r) => r.method === "DELETE",
    );
    expect(killed.signal).toBe("SIGKILL");
    expect(members(g(3))).toContain(u(2)); // added, not yet removed
    expect(members(g(1))).toContain(u(2));
    h.sandbox.faults.clearScripts();
    const next = await h.run(await readFile(file, "utf8"));
    expect(next.code).toBe(0);
    expect(next.report?.moves[0]).toMatchObject({ status: "succeeded", moved: [u(2), u(5)] });
    expect(members(g(1))).toEqual([u(1), u(3), u(6)].sort()); // (u4, disabled, is not listed)
  });

  it("runs again as a cron job would: the move the last run did is skipped (exit 0), though its people have left the source", async () => {
    await h.start(smallSeed());
    expect((await h.run(text)).code).toBe(0);
    h.sandbox.clearLog();
    const again = await h.run(text);
    expect(again.code).toBe(0);
    expect(again.report?.problems).toEqual([]);
    expect(again.report?.moves[0]).toMatchObject({ status: "skipped", reason: "already-done" });
    expect(writes()).toEqual([]);
    const preview = await h.run(text, { dryRun: true });
    expect(preview.code).toBe(0);
    expect(preview.report?.moves[0]).toMatchObject({ status: "skipped", reason: "already-done" });
  });

  it("a run killed after the removal, before its result was recorded, is settled by the next run from the portal", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "manifest.yaml");
    await writeFile(file, text);
    // The removal is applied, then answered 503: the run is killed before it retries.
    h.sandbox.faults.script((r) =>
      r.method === "DELETE" && r.path.endsWith("/members")
        ? { kind: "status", status: 503, after: true }
        : undefined,
    );
    const killed = await h.runKilledWhen(
      ["run", file, "--report", join(h.dir, "killed.json")],
      (r) => r.method === "DELETE",
    );
    expect(killed.signal).toBe("SIGKILL");
    expect(members(g(1))).toEqual([u(1), u(3), u(6)].sort()); // the people are out of the source
    h.sandbox.faults.clearScripts();
    h.sandbox.clearLog();
    const next = await h.run(await readFile(file, "utf8"));
    expect(next.code).toBe(0);
    expect(next.report?.problems).toEqual([]);
    expect(next.report?.moves[0]).toMatchObject({ status: "skipped", reason: "already-done" });
    expect(next.report?.warnings.join("\n")).toMatch(/move "a" was in doubt .* the portal shows it done/);
    expect(writes()).toEqual([]);
  });

  it("the split of SPEC §3a: some people into a group created for them, one named its manager; undo puts it all back", async () => {
    await h.start(smallSeed());
    const before = h.sandbox.model.toSeed();
    const split = manifest(
      `{ id: north, from: ${g(1)}, to: { name: Sales North, create: true }, members: [user2@example.com, ${u(6)}], manager: user2@example.com }`,
    );
    const preview = await h.run(split, { dryRun: true });
    expect(preview.code).toBe(0);
    const res = await h.run(split);
    expect(res.code).toBe(0);
    const north = h.sandbox.model.listGroups({ count: 100 }).items.find((x) => x.name === "Sales North");
    expect(north?.managerId).toBe(u(2));
    expect([...(north?.memberIds ?? [])].sort()).toEqual([u(2), u(6)].sort());
    expect(res.report?.moves[0]).toMatchObject({ created: true, managerSet: u(2), moved: [u(2), u(6)] });
    expect(preview.report?.moves[0]).toMatchObject({ created: true, managerSet: u(2), moved: [u(2), u(6)] });
    const undo = await runBin(["undo", res.reportPath, "--report", join(h.dir, "undo.json")], {
      env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY },
    });
    expect(undo.code).toBe(0);
    expect(h.sandbox.model.listGroups({ count: 100 }).items.some((x) => x.name === "Sales North")).toBe(
      false,
    );
    for (const group of before.groups)
      expect(members(group.id)).toEqual([...group.memberIds.filter((id) => id !== u(4))].sort());
  });

  it("never writes to a system group, whatever the operation (a partial move with a manager here)", async () => {
    await h.start(smallSeed());
    const res = await h.run(
      manifest(
        `{ id: a, from: ${g(1)}, to: c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e, members: [${u(2)}], manager: ${u(2)} }`,
      ),
    );
    expect(res.code).toBe(1);
    expect(writes()).toEqual([]);
    expect(res.report?.problems.join("\n")).toMatch(/is the system group/);
  });
});
