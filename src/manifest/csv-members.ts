import { lstat, readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { MAX_MANIFEST_BYTES } from "./load.js";
import { isPerson, personRef, Severity, type Issue, type PersonRef } from "./types.js";

export type CsvRecord = { record: Record<string, string>; info: { lines: number } };

/**
 * A CSV beside the manifest, read whole with a real CSV parser (UTF-8, a BOM accepted, RFC 4180, a header
 * row): the path is relative to the manifest and may not leave its folder; the file is capped like a
 * manifest. `shown` is its path as the user would find it.
 */
export async function readCsvBeside(
  manifestFile: string,
  csv: string,
  what: string,
): Promise<
  | { ok: true; shown: string; records: CsvRecord[] }
  | { ok: false; file: string; line: number; message: string }
> {
  const folder = dirname(resolve(manifestFile));
  const shown = join(dirname(manifestFile), csv);
  const target = resolve(folder, csv);
  const inside = relative(folder, target);
  if (isAbsolute(csv) || inside.startsWith("..") || isAbsolute(inside))
    return {
      ok: false,
      file: manifestFile,
      line: 1,
      message: `${JSON.stringify(csv)}: a ${what} CSV must be in the manifest's folder (a relative path that stays inside it)`,
    };
  const info = await lstat(target).catch(() => null);
  if (info === null || !info.isFile())
    return {
      ok: false,
      file: manifestFile,
      line: 1,
      message: `${JSON.stringify(csv)}: ${info === null ? "no such file" : "not a regular file"}`,
    };
  if (info.size > MAX_MANIFEST_BYTES)
    return { ok: false, file: shown, line: 1, message: "the file is larger than 5 MiB" };
  const text = await readFile(target, "utf8");
  try {
    const records = parse<CsvRecord>(text, {
      columns: true,
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
    });
    return { ok: true, shown, records };
  } catch (err) {
    return {
      ok: false,
      file: shown,
      line: (err as { lines?: number }).lines ?? 1,
      message: `not a CSV file this tool can read: ${(err as Error).message}`,
    };
  }
}

/**
 * `members: {csv, column}`: the people in one column of a CSV file beside the manifest (UTF-8, a BOM
 * accepted, RFC 4180, a header row), read with a real CSV parser. The path is relative to the manifest
 * and may not leave its folder; the file is capped like a manifest. Problems name `file.csv:line:column`.
 */
export async function readMembersCsv(
  manifestFile: string,
  from: { readonly csv: string; readonly column: string },
  path: string,
): Promise<{ people: PersonRef[]; issues: Issue[] }> {
  const issues: Issue[] = [];
  const problem = (file: string, line: number, column: number, message: string): Issue => ({
    severity: Severity.Error,
    rule: "members-csv",
    file,
    line,
    column,
    path,
    message,
  });
  const file = await readCsvBeside(manifestFile, from.csv, "members");
  if (!file.ok) return { people: [], issues: [problem(file.file, file.line, 1, file.message)] };
  const { shown, records } = file;
  const header = Object.keys(records[0]?.record ?? {});
  const columnIndex = header.indexOf(from.column) + 1;
  if (records.length === 0 || columnIndex === 0) {
    return {
      people: [],
      issues: [
        problem(
          from.csv,
          1,
          1,
          records.length === 0
            ? "the file lists nobody (a header row, then one row per person)"
            : `no column ${JSON.stringify(from.column)} in the header (it has: ${header.join(", ")})`,
        ),
      ],
    };
  }
  const people: PersonRef[] = [];
  const seen = new Set<string>();
  for (const { record, info: where } of records) {
    const cell = record[from.column] ?? "";
    if (cell === "") continue;
    if (!isPerson(cell)) {
      issues.push(
        problem(
          from.csv,
          where.lines,
          columnIndex,
          `${JSON.stringify(cell.slice(0, 80))} is not a user id or an email address`,
        ),
      );
      continue;
    }
    const key = cell.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    people.push(personRef(cell));
  }
  if (people.length === 0 && issues.length === 0)
    issues.push(problem(shown, 1, columnIndex, `the column ${JSON.stringify(from.column)} names nobody`));
  return { people, issues };
}
