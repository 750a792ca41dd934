import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { g, smallSeed, u } from "../helpers/portal.js";
import { manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

const manager = (id: string): string | null => h.sandbox.model.group(id)?.managerId ?? null;
const writes = (): string[] => h.calls().filter((c) => !c.startsWith("GET"));

describe("manager: (SPEC §3a)", () => {
  // Sales EMEA (g1, manager u1; u2 active, u3 guest, u4 disabled, u5 pending, u6) into Sales (g2, manager u7).
  const text = manifest(`{ id: a, from: ${g(1)}, to: ${g(2)}, manager: user2@example.com }`);

  it("the preview says who becomes the manager; a run sets it after the move and checks it", async () => {
    await h.start(smallSeed());
    const preview = await h.run(text, { dryRun: true });
    expect(preview.code).toBe(0);
    expect(writes()).toEqual([]);
    expect(preview.report?.moves[0]).toMatchObject({ managerSet: u(2), managerBefore: u(7) });
    expect(preview.report?.moves[0]?.warnings).toContain('User 2 becomes the manager of "Sales"');
    const csv = join(h.dir, "people.csv");
    const res = await h.run(text, { csv });
    expect(res.code).toBe(0);
    expect(res.report?.moves[0]).toMatchObject({
      status: "succeeded",
      managerSet: u(2),
      managerBefore: u(7),
    });
    expect(manager(g(2))).toBe(u(2));
    expect(writes()).toEqual([
      `PUT /api/2.0/group/${g(1)}/members/${g(2)}`,
      `PUT /api/2.0/group/${g(2)}/manager`,
    ]);
    const rows = parse<Record<string, string>>(await readFile(csv, "utf8"), { columns: true });
    expect(rows).toContainEqual(expect.objectContaining({ user_id: u(2), action: "manager-set" }));
    expect(res.report?.people[u(2)]?.displayName).toBe("User 2");
  });

  it.each([
    ["a guest", u(3), /is a guest; DocSpace does not make a guest a group's manager/],
    ["a disabled user", u(4), /is disabled; DocSpace does not make a disabled user a group's manager/],
    ["nobody", "nobody@example.com", /nobody on the portal is nobody@example\.com/],
    ["someone who will not be in the destination", u(8), /will not be in the destination after move "a"/],
  ])("refuses %s before any write, at the manifest's line (exit 1)", async (_what, who, message) => {
    await h.start(smallSeed());
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)}, manager: ${who} }`));
    expect(res.code).toBe(1);
    expect(writes()).toEqual([]);
    expect(res.report?.problems[0]).toMatch(/manifest\.yaml:3:\d+ moves\[0\]\.manager: /);
    expect(res.report?.problems[0]).toMatch(message);
  });

  it("undo puts the previous manager back", async () => {
    await h.start(smallSeed());
    const run = await h.run(text);
    expect(manager(g(2))).toBe(u(2));
    const { code, report } = await h.undo(run.reportPath, false, { DOCSPACE_URL: h.sandbox.url });
    expect(code).toBe(0);
    expect(manager(g(2))).toBe(u(7));
    expect(manager(g(1))).toBe(u(1));
    expect(report?.outcome).toBe("succeeded");
  });

  it("a run killed between the move and setting the manager: the next run sets it", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "manifest.yaml");
    await writeFile(file, text);
    h.sandbox.faults.script((r) =>
      r.method === "PUT" && r.path.endsWith("/manager") ? { kind: "hang" } : undefined,
    );
    const killed = await h.runKilledWhen(["run", file, "--report", join(h.dir, "killed.json")], (r) =>
      r.path.endsWith("/manager"),
    );
    expect(killed.signal).toBe("SIGKILL");
    expect(manager(g(2))).toBe(u(7)); // the members moved, the manager not yet set
    h.sandbox.faults.clearScripts();
    const next = await h.run(text);
    expect(next.code).toBe(0);
    expect(manager(g(2))).toBe(u(2));
    expect(next.report?.warnings.join("\n")).toMatch(/move "a" was in doubt .* not done, so it runs/);
  });
});
