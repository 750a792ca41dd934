import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { g, smallSeed, u } from "../helpers/portal.js";
import { manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

describe("members: {csv, column} (SPEC §3a)", () => {
  const move = (csv: string, column = "email") =>
    manifest(`{ id: a, from: ${g(1)}, to: ${g(3)}, members: { csv: "${csv}", column: ${column} } }`);

  it("moves the people listed in one column of a CSV beside the manifest (BOM, quotes, other columns)", async () => {
    await h.start(smallSeed());
    await writeFile(
      join(h.dir, "care.csv"),
      `\uFEFFname,email\r\n"Two, User",user2@example.com\r\nFive,${u(5)}\r\n\r\n`,
    );
    const res = await h.run(move("care.csv"));
    expect(res.code).toBe(0);
    expect(res.report?.moves[0]).toMatchObject({ status: "succeeded", moved: [u(2), u(5)] });
  });

  it.each([
    [
      "a cell that is not a person",
      "name,email\nTwo,user2@example.com\nBad,not-an-email\n",
      "care.csv",
      /care\.csv:3:2 moves\[0\]\.members: "not-an-email" is not a user id or an email address/,
    ],
    [
      "a missing column",
      "name,mail\nTwo,user2@example.com\n",
      "care.csv",
      /care\.csv:1:1 moves\[0\]\.members: no column "email" in the header \(it has: name, mail\)/,
    ],
    ["a path out of the manifest's folder", "", "../care.csv", /must be in the manifest's folder/],
    ["a missing file", "", "none.csv", /"none\.csv": no such file/],
  ])("refuses %s before anything is sent (exit 2)", async (_what, text, csv, message) => {
    await h.start(smallSeed());
    if (text !== "") await writeFile(join(h.dir, csv), text);
    const res = await h.run(move(csv));
    expect(res.code).toBe(2);
    expect(res.err.join("\n")).toMatch(message);
    expect(h.calls()).toEqual([]);
  });
});
