import { stringify } from "csv-stringify/sync";
import { notRun } from "../../../src/report/build.js";
import { CSV_BATCH, CSV_COLUMNS, csvPieces, csvRowsOf } from "../../../src/report/csv.js";
import { MoveStatus, Reason, type MoveResult, type Report } from "../../../src/report/types.js";

/** A report with `count` moves of two members each, names that need quoting and defusing among them. */
function reportOf(count: number): Report {
  const moves: MoveResult[] = Array.from({ length: count }, (_, i) => ({
    ...notRun(
      { id: `m${i}`, note: null, from: { kind: "name", name: `S, "${i}"` }, to: { kind: "id", id: `g${i}` } },
      null,
      MoveStatus.Succeeded,
      Reason.HttpError,
    ),
    reason: null,
    moved: [`u${2 * i}`, `u${2 * i + 1}`],
  }));
  const people = Object.fromEntries(
    moves
      .flatMap((m) => m.moved)
      .map((id) => [id, { displayName: `=${id}`, email: null, type: "user", status: "active" }]),
  );
  return { runId: "r1", moves, people } as unknown as Report;
}

/** The CSV as it was made whole: every row, defused, stringified at once. */
const whole = (report: Report): string =>
  stringify(
    [...csvRowsOf(report)].map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, /^[=+\-@\t\r]/.test(v) ? `'${v}` : v])),
    ),
    { header: true, columns: [...CSV_COLUMNS], record_delimiter: "windows" },
  );

describe("the member-level CSV, in pieces", () => {
  it.each([0, 1, CSV_BATCH / 2, CSV_BATCH / 2 + 1, 2 * CSV_BATCH + 3])(
    "is the same text as the CSV made whole (%i moves), in pieces of whole rows",
    (count) => {
      const report = reportOf(count);
      const pieces = [...csvPieces(report)];
      expect(pieces.join("")).toBe(whole(report));
      // The header in the first piece only, and no piece longer than a batch.
      expect(pieces.filter((p) => p.startsWith("run_id,move_id,"))).toHaveLength(1);
      for (const piece of pieces) {
        expect(piece.endsWith("\r\n")).toBe(true);
        expect(piece.split("\r\n").length - 1).toBeLessThanOrEqual(CSV_BATCH + 1);
      }
      expect(pieces.length).toBe(Math.max(1, Math.ceil((2 * count) / CSV_BATCH)));
    },
  );
});
