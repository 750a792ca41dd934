import { MoveStatus, type MoveResult, type Report } from "../report/types.js";

const MARK: Record<MoveResult["status"], string> = {
  succeeded: "ok  ",
  failed: "FAIL",
  skipped: "skip",
  planned: "plan",
  "not-attempted": "----",
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function detail(move: MoveResult): string {
  if (move.status === MoveStatus.Succeeded) {
    const parts = [`${move.moved.length} moved`];
    if (move.alreadyInDestination.length > 0) parts.push(`${move.alreadyInDestination.length} already there`);
    if (move.droppedGuests.length > 0) parts.push(`${plural(move.droppedGuests.length, "guest")} dropped`);
    if (move.managerRemoved !== null) parts.push("source manager removed");
    if (move.completion !== null) parts.push("completed by removing from source");
    return parts.join(", ");
  }
  return `${move.reason ?? move.status}${move.error === null ? "" : `: ${move.error.message}`}`;
}

/** The human summary of a run for stdout (SPEC §6): one line per move, warnings, counts, the report path. */
export function renderRunSummary(report: Report, reportPath: string): string[] {
  const lines: string[] = [];
  const behaviour =
    report.behaviour === "copy"
      ? "its move only copies; moves are completed by removing members from the source"
      : report.behaviour === "move"
        ? "its move empties the source"
        : "behaviour unknown; every move is read back";
  lines.push(
    `${report.mode} on ${report.portal} (DocSpace ${report.portalVersion ?? "version unknown"}: ${behaviour})`,
  );
  const width = Math.min(40, Math.max(...report.moves.map((m) => m.id.length), 4));
  for (const move of report.moves) {
    const route = `${move.from.name ?? move.from.id ?? "?"} → ${move.to.name ?? move.to.id ?? "?"}`;
    lines.push(`  ${MARK[move.status]} ${move.id.padEnd(width)}  ${route}: ${detail(move)}`);
  }
  const warnings = [
    ...report.warnings,
    ...report.moves.flatMap((m) => m.warnings.map((w) => `${m.id}: ${w}`)),
  ];
  if (warnings.length > 0) {
    lines.push("Warnings:");
    for (const w of warnings) lines.push(`  - ${w}`);
  }
  if (report.problems.length > 0) {
    lines.push(report.outcome === "failed" ? "Blocking problems (nothing was changed):" : "Stopped:");
    for (const p of report.problems) lines.push(`  - ${p}`);
  }
  const s = report.summary;
  lines.push(
    `Result: ${report.outcome} (exit ${report.exitCode}): ${s.succeeded} succeeded, ${s.failed} failed, ${s.skipped} skipped, ${s.notAttempted} not attempted; ${plural(s.membersMoved, "member")} moved; ${plural(s.requests, "request")}, ${plural(s.retries, "retry").replace("retrys", "retries")}, ${s.rateLimited} rate-limited`,
  );
  lines.push(`Report: ${reportPath}`);
  return lines;
}
