import { previewBody, renderPreview, renderRunSummary } from "../../../src/report/render.js";
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

describe("a large run or preview stays short on screen", () => {
  const move = (i: number, status: string): MoveResult =>
    ({
      id: `m${i}`,
      from: { id: null, name: `S${i}` },
      to: { id: null, name: `D${i}` },
      status,
      reason: status === "failed" ? "http-error" : null,
      error: null,
      warnings: [`note ${i}`],
      moved: ["u"],
      alreadyInDestination: [],
      droppedGuests: [],
      guestsLeftInSource: [],
      managerRemoved: null,
      completion: null,
    }) as unknown as MoveResult;

  it("prints the first 100 moves, then every failed one, and counts the rest", () => {
    const moves = Array.from({ length: 10_000 }, (_, i) => move(i, i === 5_000 ? "failed" : "succeeded"));
    const report = {
      mode: "run",
      portal: "https://p.example",
      portalVersion: "3.7.2",
      behaviour: "move",
      moves,
      warnings: [],
      problems: [],
      outcome: "failed",
      exitCode: 1,
      summary: {
        succeeded: 9_999,
        failed: 1,
        skipped: 0,
        notAttempted: 0,
        membersMoved: 9_999,
        requests: 0,
        retries: 0,
        rateLimited: 0,
      },
    } as unknown as Report;
    const lines = renderRunSummary(report, "r.json");
    expect(lines.length).toBeLessThan(200);
    expect(lines.some((l) => l.includes("m5000") && l.includes("FAIL"))).toBe(true);
    expect(lines).toContain("  … and 9899 more moves (every one is in the report)");
    expect(lines).toContain("  … and 9950 more (see the report)");
  });

  it("lists the run's warnings first, then the moves' in order, up to 50, and counts the rest", () => {
    const moves = Array.from({ length: 30 }, (_, i) => ({
      ...move(i, "succeeded"),
      warnings: [`first of ${i}`, `second of ${i}`],
    }));
    const report = {
      mode: "run",
      portal: "https://p.example",
      moves,
      warnings: ["the key expires soon"],
      problems: [],
      summary: {},
    } as unknown as Report;
    const lines = renderRunSummary(report, "r.json");
    const listed = lines.slice(lines.indexOf("Warnings:") + 1).filter((l) => l.startsWith("  - "));
    expect(listed).toHaveLength(50);
    expect(listed.slice(0, 4)).toEqual([
      "  - the key expires soon",
      "  - m0: first of 0",
      "  - m0: second of 0",
      "  - m1: first of 1",
    ]);
    expect(listed[49]).toBe("  - m24: first of 24");
    expect(lines).toContain("  … and 11 more (see the report)");
  });

  it("a preview of 10,000 moves: 100 table rows, 20 moves person by person, 50 items per surprise", () => {
    const moves = Array.from({ length: 10_000 }, (_, i) => ({
      ...move(i, "planned"),
      managerRemoved: `u${i}`,
      preview: {
        sourceBefore: 1,
        sourceAfter: 0,
        destinationBefore: 0,
        destinationAfter: 1,
        sourceMembersAfter: [],
        destinationMembersAfter: ["u"],
        sourceManagerAfter: null,
        destinationManagerAfter: null,
        disabledLeftBehind: [],
        emptiesSource: true,
      },
    })) as unknown as MoveResult[];
    const lines = previewBody({ moves, warnings: [], problems: [] }, (id) => id);
    expect(lines.length).toBeLessThan(400);
    expect(lines).toContain("  … and 9900 more moves (every one is in the report)");
    expect(lines).toContain("  … and 9980 more moves (see the report)");
    expect(lines.filter((l) => l === "  … and 9950 more (see the report)")).toHaveLength(2);
  });
});

describe("a dry run's last lines say how it ended", () => {
  const planned = {
    id: "a",
    from: { id: null, name: "S" },
    to: { id: null, name: "D" },
    status: "planned",
    reason: null,
    error: null,
    warnings: [],
    moved: ["u1", "u2"],
    alreadyInDestination: [],
    droppedGuests: [],
    guestsLeftInSource: [],
    managerRemoved: null,
    completion: null,
    preview: {
      sourceBefore: 2,
      sourceAfter: 0,
      destinationBefore: 0,
      destinationAfter: 2,
      sourceMembersAfter: [],
      destinationMembersAfter: ["u1", "u2"],
      sourceManagerAfter: null,
      destinationManagerAfter: null,
      disabledLeftBehind: [],
      emptiesSource: true,
    },
  } as unknown as MoveResult;
  const notRun = {
    ...planned,
    status: "not-attempted",
    moved: [],
    preview: undefined,
  } as unknown as MoveResult;
  const dryRun = (outcome: string, exitCode: number, problems: string[], moves: MoveResult[]): Report =>
    ({
      mode: "dry-run",
      portal: "https://p",
      portalVersion: "3.7.2",
      behaviour: "move",
      outcome,
      exitCode,
      warnings: [],
      problems,
      moves,
      summary: {
        total: moves.length,
        succeeded: 0,
        failed: 0,
        skipped: 0,
        planned: moves.filter((m) => m.status === "planned").length,
        notAttempted: moves.filter((m) => m.status === "not-attempted").length,
        membersMoved: 2,
        requests: 4,
        retries: 0,
        rateLimited: 0,
      },
    }) as unknown as Report;
  const name = (id: string): string => id;

  it("ready: what it planned and would change, its reads", () => {
    const lines = renderPreview(dryRun("succeeded", 0, [], [planned]), "r.json", "b", name);
    expect(lines.at(-2)).toBe(
      "Result: ready (exit 0): 1 planned, 0 skipped, 0 not possible; 2 members would move; 4 requests, all GET",
    );
  });

  it("blocking problems: listed as what a run would refuse", () => {
    const lines = renderPreview(dryRun("failed", 1, ["no group named X"], [notRun]), "r.json", "b", name);
    expect(lines).toContain("Blocking problems (a run would send nothing and exit 1):");
    expect(lines.at(-2)).toMatch(
      /^Result: blocking problems \(exit 1\): 0 planned, 0 skipped, 1 not possible;/,
    );
  });

  it("stopped (a signal, a refused key): said as a stop, not as a problem of the plan", () => {
    for (const [outcome, exit] of [
      ["interrupted", 130],
      ["aborted", 3],
    ] as const) {
      const lines = renderPreview(dryRun(outcome, exit, ["stopped here"], [notRun]), "r.json", "b", name);
      expect(lines).toContain("Stopped:");
      expect(lines.join("\n")).not.toContain("Blocking problems");
      expect(lines.at(-2)).toMatch(
        new RegExp(`^Result: ${outcome} \\(exit ${exit}\\): 0 planned, 0 skipped, 1 not run;`),
      );
    }
  });

  it("an undo's dry run ends as the run's preview does, in undo's words", () => {
    const lines = renderRunSummary(dryRun("succeeded", 0, [], [planned]), "r.json", true);
    expect(lines.at(-2)).toBe(
      "Result: ready (exit 0): 1 planned, 0 skipped, 0 not possible; 2 members would be put back; 4 requests, all GET",
    );
  });
});
