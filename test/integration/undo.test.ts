import { g, group, smallSeed, u } from "../helpers/portal.js";
import { manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

const undo = (file: string, dryRun = false) => h.undo(file, dryRun);

/** Each group's visible members (sorted) and manager. */
const snapshot = () =>
  h.sandbox.model
    .toSeed()
    .groups.map((x) => ({
      id: x.id,
      members: [...(h.sandbox.model.group(x.id)?.memberIds ?? [])].sort(),
      manager: x.managerId,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));

describe("undo", () => {
  it.each(["3.7.2", "3.6.2"])(
    "puts members and the manager back where they were (%s); dropped guests are named",
    async (version) => {
      await h.start(smallSeed(), { version });
      const before = snapshot();
      const run = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
      expect(run.code).toBe(0);
      const res = await undo(run.reportPath);
      expect(res.code).toBe(0);
      expect(res.report).toMatchObject({
        mode: "undo",
        outcome: "succeeded",
        moves: [{ id: "a", status: "succeeded" }],
      });
      const expected = before.map((x) =>
        // On a moving portal the guest u3 was dropped from g1 and cannot come back.
        version === "3.7.2" && x.id === g(1) ? { ...x, members: x.members.filter((m) => m !== u(3)) } : x,
      );
      expect(snapshot()).toEqual(expected);
      if (version === "3.7.2")
        expect(res.report?.warnings[0]).toContain("1 guest(s) that the moves removed cannot be put back");
    },
  );

  it("unwinds a chain last move first", async () => {
    const seed = smallSeed();
    await h.start({ ...seed, groups: [...seed.groups, group(5, [], null, "Archive")] });
    const before = snapshot();
    const run = await h.run(
      manifest(`{ id: a, from: ${g(3)}, to: ${g(2)} }`, `{ id: b, from: ${g(2)}, to: ${g(5)} }`),
    );
    expect(run.code).toBe(0);
    expect(h.sandbox.model.group(g(5))?.memberIds).toHaveLength(3);
    const res = await undo(run.reportPath);
    expect(res.code).toBe(0);
    expect(res.report?.moves.map((m) => m.id)).toEqual(["b", "a"]);
    expect(snapshot()).toEqual(before);
  });

  it("--dry-run only reads and says what it would put back", async () => {
    await h.start(smallSeed());
    const run = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    const after = snapshot();
    h.sandbox.clearLog();
    const res = await undo(run.reportPath, true);
    expect(res.code).toBe(0);
    expect(new Set(h.sandbox.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
    expect(snapshot()).toEqual(after);
    expect(res.report?.moves[0]).toMatchObject({ status: "planned" });
    expect(res.report?.moves[0]?.warnings[0]).toBe(
      'would put 4 member(s) back into "Sales EMEA" and take 3 out of "Sales"',
    );
  });

  it("an undo run again skips what it undid (exit 0), though it deleted the group the run had created", async () => {
    await h.start(smallSeed());
    const run = await h.run(manifest(`{ id: a, from: ${g(1)}, to: { name: Fresh, create: true } }`));
    expect(run.code).toBe(0);
    expect((await undo(run.reportPath)).code).toBe(0);
    expect(h.sandbox.model.listGroups({ count: 100 }).items.some((x) => x.name === "Fresh")).toBe(false);
    h.sandbox.clearLog();
    for (const dryRun of [true, false]) {
      const again = await undo(run.reportPath, dryRun);
      expect(again.code).toBe(0);
      expect(again.report?.problems).toEqual([]);
      expect(again.report?.moves[0]).toMatchObject({ status: "skipped", reason: "already-undone" });
    }
    expect(new Set(h.sandbox.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
  });

  it("a group gone since the run blocks the undo: the problem is listed, nothing is written (exit 1)", async () => {
    await h.start(smallSeed());
    const run = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(3)} }`, `{ id: b, from: ${g(2)}, to: ${g(4)} }`),
    );
    expect(run.code).toBe(0);
    h.sandbox.model.removeGroup(g(3));
    h.sandbox.clearLog();
    const res = await undo(run.reportPath);
    expect(res.code).toBe(1);
    const gone = `move "a" to: ${g(3)}: the group does not exist (or was deleted)`;
    expect(res.report?.problems).toEqual([gone]);
    expect(res.out).toContain("Blocking problems (nothing was changed):");
    expect(res.out).toContain(`  - ${gone}`);
    expect(new Set(h.sandbox.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
  });

  it("marks the moves undone in the state store, so the manifest can run again", async () => {
    await h.start(smallSeed());
    const text = manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`);
    const run = await h.run(text);
    await undo(run.reportPath);
    const again = await h.run(text);
    expect(again.report?.moves[0]).toMatchObject({ status: "succeeded" });
  });

  it("refuses a report that is not a run's (exit 2), sending nothing", async () => {
    await h.start(smallSeed());
    const preview = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`), { dryRun: true });
    h.sandbox.clearLog();
    const res = await undo(preview.reportPath);
    expect([res.code, res.err]).toEqual([
      2,
      [
        `${preview.reportPath}: this is a dry-run report; undo takes the report of a run that moved members; nothing was sent`,
      ],
    ]);
    expect(h.sandbox.requests).toHaveLength(0);
  });
});

describe("undo's words", () => {
  it("arrows point the way members go back, counts say put back, managers are named", async () => {
    await h.start(smallSeed());
    const run = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(run.code).toBe(0);
    const preview = await undo(run.reportPath, true);
    expect(preview.code).toBe(0);
    expect(preview.out.join("\n")).toMatch(/plan a +Sales → Sales EMEA: will run/);
    // The guest the move dropped, by name.
    expect(preview.out.join("\n")).toContain("put guests in groups (User 3)");
    // u1, Olaf Svensson, managed Sales EMEA before the move.
    expect(preview.report?.moves[0]?.warnings).toContain(
      'would make Olaf Svensson the manager of "Sales EMEA" again',
    );
    // A preview's last line, as the run's preview ends: ready, what it planned, its reads.
    expect(preview.out.at(-2)).toMatch(
      /^Result: ready \(exit 0\): 1 planned, 0 skipped, 0 not possible; \d+ members? would be put back; \d+ requests, all GET$/,
    );
    const res = await undo(run.reportPath);
    expect(res.out.join("\n")).toMatch(/ok {3}a +Sales → Sales EMEA: \d+ put back/);
    expect(res.out.at(-2)).toMatch(/\d+ members? put back;/);
  });
});
