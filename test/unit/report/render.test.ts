import { renderRunSummary } from "../../../src/report/render.js";
import type { MoveResult, Report } from "../../../src/report/types.js";
import { padColumns, stringWidth } from "../../../src/report/columns.js";

describe("tables measured in terminal columns", () => {
  it("pads wide characters by the columns they take, so the next column lines up", () => {
    expect(stringWidth("李小龍")).toBe(6);
    expect(padColumns("李小龍", 8)).toBe("李小龍  ");
    expect(padColumns("abc", 8)).toBe("abc     ");
  });

  it("the run summary lines up move ids of any script", () => {
    const move = (id: string): MoveResult =>
      ({
        id,
        from: { id: null, name: "A" },
        to: { id: null, name: "B" },
        status: "skipped",
        reason: "excluded",
        error: null,
        warnings: [],
        moved: [],
      }) as unknown as MoveResult;
    const report = {
      mode: "run",
      portal: "https://p.example",
      portalVersion: "3.7.2",
      behaviour: "move",
      moves: [move("移動-一"), move("plain")],
      warnings: [],
      problems: [],
      outcome: "succeeded",
      exitCode: 0,
      summary: {
        succeeded: 0,
        failed: 0,
        skipped: 2,
        notAttempted: 0,
        membersMoved: 0,
        requests: 0,
        retries: 0,
        rateLimited: 0,
      },
    } as unknown as Report;
    const rows = renderRunSummary(report, "r.json").filter((l) => l.includes("A → B"));
    const arrowColumn = rows.map((r) => stringWidth(r.slice(0, r.indexOf("A → B"))));
    expect(new Set(arrowColumn).size).toBe(1);
    expect(rows[0]).toContain("left out by --only/--exclude");
  });
});
