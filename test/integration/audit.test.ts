import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { CSV_COLUMNS } from "../../src/report/csv.js";
import type { Report } from "../../src/report/types.js";
import { g, smallSeed, u } from "../helpers/portal.js";
import { A, B, check, lines } from "../helpers/manifest.js";
import { manifest, RunHarness } from "../helpers/run.js";

/** The CSV as a CSV parser reads it: header checked, one object per row. */
async function readCsv(path: string): Promise<Record<string, string>[]> {
  const text = await readFile(path, "utf8");
  expect(text.split("\r\n")[0]).toBe(CSV_COLUMNS.join(","));
  return parse<Record<string, string>>(text, { columns: true, bom: true, relax_column_count: false });
}

/** What the report says happened to whom, as CSV rows would say it. */
function expectedRows(report: Report): string[] {
  const rows: string[] = [];
  for (const m of report.moves) {
    const add = (ids: readonly string[], action: string): void => {
      for (const id of ids) rows.push(`${m.id} ${id} ${action} ${m.status}`);
    };
    add(m.moved, "moved");
    add(m.alreadyInDestination, "already-in-destination");
    add(m.droppedGuests, "guest-dropped");
    add(m.guestsLeftInSource, "guest-left-in-source");
    add(m.preview?.disabledLeftBehind ?? [], "disabled-left-in-source");
    if (m.managerRemoved !== null) add([m.managerRemoved], "manager-removed");
  }
  return rows.sort();
}

describe("the audit trail: people, ranBy, the CSV", () => {
  let h: RunHarness;
  beforeEach(() => {
    h = new RunHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("a run's report names everyone it mentions, who ran it, and the manifest's absolute path", async () => {
    await h.start(smallSeed());
    const r = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(r.code).toBe(0);
    const report = r.report as Report;
    expect(report.manifest.path).toBe(join(h.dir, "manifest.yaml"));
    expect(report.ranBy.osUser).toEqual(expect.any(String));
    expect(report.ranBy.host).toEqual(expect.any(String));
    // The sandbox's key belongs to its owner.
    expect(report.ranBy.keyUser).toEqual({ id: expect.any(String), displayName: expect.any(String) });
    const keyUser = report.ranBy.keyUser?.id ?? "";
    expect(report.people[keyUser]?.displayName).toBe(report.ranBy.keyUser?.displayName);
    const move = report.moves[0];
    const named = [
      ...(move?.before?.source ?? []),
      ...(move?.before?.destination ?? []),
      ...(move?.moved ?? []),
      ...(move?.droppedGuests ?? []),
    ];
    for (const id of named) expect(Object.keys(report.people)).toContain(id);
    expect(report.people[u(1)]).toEqual({
      displayName: "Olaf Svensson",
      email: "user1@example.com",
      type: "user",
      status: "active",
    });
    expect(report.people[u(3)]).toMatchObject({ type: "guest" });
    expect(report.people[u(5)]).toMatchObject({ status: "pending" });
  });

  it("--csv writes one row per person per move and per thing that happened, matching the report", async () => {
    const seed = smallSeed();
    // A name a spreadsheet would run as a formula, with a comma and a quote in it.
    await h.start({
      ...seed,
      users: seed.users.map((x) => (x.id === u(2) ? { ...x, displayName: '=HYPERLINK("x"), Bob' } : x)),
    });
    const csv = join(h.dir, "people.csv");
    const r = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
      { csv },
    );
    expect(r.code).toBe(0);
    const report = r.report as Report;
    const rows = await readCsv(csv);
    expect(rows.map((x) => `${x.move_id} ${x.user_id} ${x.action} ${x.status}`).sort()).toEqual(
      expectedRows(report),
    );
    for (const row of rows) {
      const move = report.moves.find((m) => m.id === row.move_id);
      expect(row.run_id).toBe(report.runId);
      expect(row.from_id).toBe(move?.from.id);
      expect(row.to_name).toBe(move?.to.name);
      const person = report.people[row.user_id ?? ""];
      expect(row.email).toBe(person?.email ?? "");
    }
    // The source manager who moved has two rows: moved, and manager-removed.
    expect(rows.filter((x) => x.user_id === u(1)).map((x) => x.action)).toEqual(["moved", "manager-removed"]);
    // Defused for spreadsheets, and still one field.
    expect(rows.find((x) => x.user_id === u(2))?.display_name).toBe(`'=HYPERLINK("x"), Bob`);
  });

  it("a dry run's CSV lists the disabled users left behind; a move that did not run lists its source as not-moved", async () => {
    await h.start(smallSeed());
    const csv = join(h.dir, "plan.csv");
    const r = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
      { dryRun: true, csv, exclude: ["b"] },
    );
    expect(r.code).toBe(0);
    const rows = await readCsv(csv);
    expect(rows).toContainEqual(
      expect.objectContaining({
        move_id: "a",
        user_id: u(4),
        action: "disabled-left-in-source",
        status: "planned",
      }),
    );
    expect(rows.filter((x) => x.move_id === "b")).toEqual([
      expect.objectContaining({ action: "not-moved", status: "excluded" }),
    ]);
    // Known from the preview's own read of the source's disabled members, not from the group reads.
    expect(r.report?.people[u(4)]).toMatchObject({ displayName: expect.any(String), status: "disabled" });
  });

  it("--max-changes refuses a live run that changes more people than allowed: exit 1, no write, the preview shown", async () => {
    await h.start(smallSeed());
    const m = manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`);
    const r = await h.run(m, { maxChanges: 3 });
    expect(r.code).toBe(1);
    expect(h.calls().filter((c) => !c.startsWith("GET"))).toEqual([]);
    // u1 (moved, manager removed: once), u2, u5 moved, u6 already there, u3 a guest dropped: 5 people.
    expect(r.report?.problems.join("\n")).toMatch(/changes the groups of 5 people, more than the 3/);
    expect(r.report?.moves[0]).toMatchObject({ status: "not-attempted", reason: "preflight" });
    expect(r.out.join("\n")).toContain("Sales EMEA → Sales");
    // The same limit in the manifest's settings; exactly at the limit runs.
    const atLimit = await h.run(`version: 1\nsettings: { maxChanges: 5 }\n${m.slice("version: 1\n".length)}`);
    expect(atLimit.code).toBe(0);
    expect(h.calls().filter((c) => c.startsWith("PUT"))).toHaveLength(1);
  });

  it("--csv that names a folder is refused before anything is sent", async () => {
    await h.start(smallSeed());
    const r = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`), { csv: h.dir });
    expect(r.code).toBe(2);
    expect(r.err.join("\n")).toMatch(/--csv .* is a folder/);
    expect(h.calls()).toEqual([]);
  });
});

describe("settings.maxChanges in the manifest", () => {
  it("takes a whole number of people; anything else is a clear error at its line", () => {
    const text = (v: string): string =>
      `version: 1\nsettings:\n  maxChanges: ${v}\nmoves:\n  - { from: ${A}, to: ${B} }\n`;
    expect(check(text("250")).manifest?.settings.maxChanges).toBe(250);
    expect(lines(text("-1")).join("\n")).toMatch(/migrations\.yaml:3:\d+ settings\.maxChanges/);
    expect(lines(text("1.5"))).not.toEqual([]);
  });
});
