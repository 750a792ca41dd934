import { stringify } from "csv-stringify/sync";
import { MoveStatus, type MoveResult, type Report } from "./types.js";

/** The member-level CSV of SPEC §6: one row per person per move and per thing that happened to them. */
export const CSV_COLUMNS = [
  "run_id",
  "move_id",
  "from_id",
  "from_name",
  "to_id",
  "to_name",
  "user_id",
  "display_name",
  "email",
  "action",
  "status",
] as const;

export const CsvAction = {
  Moved: "moved",
  AlreadyInDestination: "already-in-destination",
  GuestDropped: "guest-dropped",
  GuestLeftInSource: "guest-left-in-source",
  DisabledLeftInSource: "disabled-left-in-source",
  ManagerRemoved: "manager-removed",
  ManagerSet: "manager-set",
  NotMoved: "not-moved",
} as const;
export type CsvAction = (typeof CsvAction)[keyof typeof CsvAction];

export type CsvRow = Record<(typeof CSV_COLUMNS)[number], string>;

/** What happened to whom in one move, as (user, action) pairs. */
function actionsOf(move: MoveResult): [string, CsvAction][] {
  const pairs: [string, CsvAction][] = [];
  const add = (ids: readonly string[], action: CsvAction): void => {
    for (const id of ids) pairs.push([id, action]);
  };
  add(move.moved, CsvAction.Moved);
  add(move.alreadyInDestination, CsvAction.AlreadyInDestination);
  add(move.droppedGuests, CsvAction.GuestDropped);
  add(move.guestsLeftInSource, CsvAction.GuestLeftInSource);
  add(move.preview?.disabledLeftBehind ?? [], CsvAction.DisabledLeftInSource);
  if (move.managerRemoved !== null) pairs.push([move.managerRemoved, CsvAction.ManagerRemoved]);
  if (move.managerSet !== undefined && move.managerSet !== null)
    pairs.push([move.managerSet, CsvAction.ManagerSet]);
  return pairs;
}

const RAN = new Set<string>([MoveStatus.Succeeded, MoveStatus.Planned]);

/**
 * The rows, in the report's move order, one at a time (a long run's moves are read from disk one at a
 * time). Pure: a function of the report alone.
 */
export function* csvRowsOf(report: Report): Generator<CsvRow> {
  for (const move of report.moves) {
    let pairs = actionsOf(move);
    let status: string = move.status;
    // A move that did not run (or moved no one and failed): everyone in its source, and why.
    if (!RAN.has(move.status) && pairs.length === 0) {
      status = move.reason ?? move.status;
      pairs = (move.before?.source ?? []).map((id) => [id, CsvAction.NotMoved]);
      if (pairs.length === 0) pairs = [["", CsvAction.NotMoved]];
    }
    for (const [userId, action] of pairs) {
      const person = userId === "" ? undefined : report.people[userId];
      yield {
        run_id: report.runId,
        move_id: move.id,
        from_id: move.from.id ?? "",
        from_name: move.from.name ?? "",
        to_id: move.to.id ?? "",
        to_name: move.to.name ?? "",
        user_id: userId,
        display_name: person?.displayName ?? "",
        email: person?.email ?? "",
        action,
        status,
      };
    }
  }
}

/** Rows stringified at once: the CSV is written in pieces this many rows long, never as one string. */
export const CSV_BATCH = 2000;

/**
 * RFC 4180 (CRLF, quotes where needed), header row, UTF-8. A cell that a spreadsheet would run as a
 * formula (`=`, `+`, `-`, `@` first) is prefixed with `'`: names come from people who set them. Made in
 * pieces of whole rows, the header in the first.
 */
export function* csvPieces(report: Report): Generator<string> {
  const options = (header: boolean) =>
    ({ header, columns: [...CSV_COLUMNS], record_delimiter: "windows" }) as const;
  let batch: CsvRow[] = [];
  let pieces = 0;
  for (const row of csvRowsOf(report)) {
    batch.push(defuse(row));
    if (batch.length < CSV_BATCH) continue;
    yield stringify(batch, options(pieces++ === 0));
    batch = [];
  }
  if (pieces === 0 || batch.length > 0) yield stringify(batch, options(pieces === 0));
}

const defuse = (row: CsvRow): CsvRow =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, /^[=+\-@\t\r]/.test(v) ? `'${v}` : v]),
  ) as CsvRow;
