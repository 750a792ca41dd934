import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { g, smallSeed, u } from "../helpers/portal.js";
import { RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});
const text = (csv: string) => `version: 1\nmoves: { csv: ${csv} }\n`;

describe("moves: {csv} (SPEC §3a)", () => {
  it("runs every move of the CSV: ids or names, optional id and note, ;-separated members", async () => {
    await h.start(smallSeed());
    await writeFile(
      join(h.dir, "moves.csv"),
      [
        "from,to,id,note,members",
        `${g(3)},Empty,support-out,"Q3, support",`,
        `Sales EMEA,${g(2)},,,user2@example.com; ${u(5)}`,
        "",
      ].join("\r\n"),
    );
    const res = await h.run(text("moves.csv"));
    expect(res.code).toBe(0);
    expect(res.report?.moves.map((m) => [m.id, m.status, m.note, m.moved])).toEqual([
      ["support-out", "succeeded", "Q3, support", [u(8)]],
      ["move-2", "succeeded", null, [u(2), u(5)]],
    ]);
  });

  it.each([
    [
      "a bad cell, at its line and column",
      `from,to,id\n${g(1)},${g(2)},a\n${g(3)},${g(4)},Not An Id!\n`,
      /moves\.csv:3:3 moves\[1\]\.id: /,
    ],
    ["an empty cell", `from,to\n${g(1)},${g(2)}\n${g(3)},\n`, /moves\.csv:3:2 moves\[1\]\.to/],
    [
      "a rule broken across rows (the same pair twice)",
      `from,to\n${g(1)},${g(2)}\n${g(1)},${g(2)}\n`,
      /moves\.csv:3:1 moves\[1\]: move "move-2" repeats move "move-1"/,
    ],
    [
      "a header without to",
      `from,destination\n${g(1)},${g(2)}\n`,
      /moves\.csv:1:1 moves: the header lacks to/,
    ],
  ])("refuses %s before anything is sent (exit 2)", async (_what, csv, message) => {
    await h.start(smallSeed());
    await writeFile(join(h.dir, "moves.csv"), csv);
    const res = await h.run(text("moves.csv"));
    expect(res.code).toBe(2);
    expect(res.err.join("\n")).toMatch(message);
    expect(h.calls()).toEqual([]);
  });

  it("a preview problem in a CSV row names the CSV's line and column", async () => {
    await h.start(smallSeed());
    await writeFile(join(h.dir, "moves.csv"), `from,to\n${g(1)},${g(2)}\n${g(3)},Nowhere\n`);
    const res = await h.run(text("moves.csv"), { dryRun: true });
    expect(res.code).toBe(1);
    expect(res.report?.problems[0]).toMatch(/moves\.csv:3:2 moves\[1\]\.to: no group is named "Nowhere"/);
  });
});
