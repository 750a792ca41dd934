import type { Position } from "./load.js";
import { readCsvBeside } from "./csv-members.js";
import { isUuid, Severity, type Issue, type RawMove } from "./types.js";

const COLUMNS = ["from", "to", "id", "note", "members"] as const;

/**
 * `moves: {csv: file}`: every move from a CSV beside the manifest, one row each, with a header row
 * `from,to[,id][,note][,members]` (members `;`-separated; a UUID-shaped from/to cell is a group id, any
 * other a group name). The rows become the manifest's moves and are checked as if written in it; a
 * problem in one is located at `file.csv:line:column`.
 */
export async function readMovesCsv(
  manifestFile: string,
  csv: string,
): Promise<
  | { ok: true; rows: RawMove[]; locate: (path: readonly (string | number)[]) => Position }
  | { ok: false; issues: Issue[] }
> {
  const problem = (file: string, line: number, column: number, message: string): Issue => ({
    severity: Severity.Error,
    rule: "moves-csv",
    file,
    line,
    column,
    path: "moves",
    message,
  });
  const file = await readCsvBeside(manifestFile, csv, "moves");
  if (!file.ok) return { ok: false, issues: [problem(file.file, file.line, 1, file.message)] };
  const { shown, records } = file;
  const header = Object.keys(records[0]?.record ?? {});
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  const missing = ["from", "to"].filter((h) => !header.includes(h));
  if (records.length === 0 || unknown.length > 0 || missing.length > 0) {
    const why =
      records.length === 0
        ? "the file lists no moves (a header row, then one row per move)"
        : missing.length > 0
          ? `the header lacks ${missing.join(" and ")} (columns: from, to, and optionally id, note, members)`
          : `unknown columns ${unknown.map((u) => JSON.stringify(u)).join(", ")} (columns: from, to, and optionally id, note, members)`;
    return { ok: false, issues: [problem(shown, 1, 1, why)] };
  }
  const group = (cell: string): RawMove["from"] => (isUuid(cell) ? cell : { name: cell });
  const rows = records.map(({ record }): RawMove => {
    const cell = (key: string): string | undefined => {
      const value = record[key];
      return value === undefined || value === "" ? undefined : value;
    };
    const members = cell("members")
      ?.split(";")
      .map((m) => m.trim())
      .filter((m) => m !== "");
    return {
      // An empty from/to is kept as "" so that the schema says what is wrong, at its cell.
      from: group(record.from ?? ""),
      to: group(record.to ?? ""),
      ...(cell("id") === undefined ? {} : { id: cell("id") as string }),
      ...(cell("note") === undefined ? {} : { note: cell("note") as string }),
      ...(members === undefined ? {} : { members }),
    };
  });
  const columnOf = (key: string | number | undefined): number =>
    typeof key === "string" && header.includes(key) ? header.indexOf(key) + 1 : 1;
  return {
    ok: true,
    rows,
    locate: (path) => ({
      file: shown,
      line: records[path[1] as number]?.info.lines ?? 1,
      column: columnOf(path[2]),
    }),
  };
}
