import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { redactSecrets } from "../text.js";
import { keysOf } from "./people.js";
import type { Report } from "./types.js";

/**
 * Writes a file atomically: a temporary file beside it, fsynced, then renamed over the target, so a
 * reader never sees half a file. Mode 0600: reports and snapshots name people. The text may come in
 * chunks (a large report is never one string).
 */
export async function writeFileAtomic(
  path: string,
  text: string | Iterable<string>,
  mode = 0o600,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    if (typeof text === "string") await handle.writeFile(text, "utf8");
    else for (const chunk of text) await handle.write(chunk, null, "utf8");
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(temp, path);
}

/**
 * 64 KiB: few writes, and a chunk's pieces die young. At a MiB they lived long enough to be promoted,
 * and the heap grew by about 40 MB while a 100,000-move report was written.
 */
const CHUNK = 1 << 16;

/** Pieces gathered into chunks of about 64 KiB: never the whole text at once. */
function* chunked(pieces: Iterable<string>): Generator<string> {
  let chunk = "";
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Containers this deep or deeper are written by one JSON.stringify; the ones above, piece by piece. */
const WHOLE_BELOW = 2;

/**
 * `JSON.stringify(value, null, 2)`, the same text, in pieces: the report's top-level keys and each item
 * of its lists (moves, people) one at a time, so a 10,000-move report never exists as one 20 MB string.
 */
export function* jsonPieces(value: unknown, depth = 0, pad = ""): Generator<string> {
  const json = toJsonValue(value);
  if (
    depth >= WHOLE_BELOW ||
    json === null ||
    typeof json !== "object" ||
    json instanceof Number ||
    json instanceof String ||
    json instanceof Boolean
  ) {
    yield ((JSON.stringify(json, null, 2) as string | undefined) ?? "null").replaceAll("\n", `\n${pad}`);
    return;
  }
  const inner = `${pad}  `;
  if (Array.isArray(json)) {
    // Item by item, each read when it is written (a list of results may be read from disk).
    const list = json as readonly unknown[];
    if (list.length === 0) {
      yield "[]";
      return;
    }
    yield "[";
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      yield `${i === 0 ? "" : ","}\n${inner}`;
      yield* jsonPieces(isSkipped(toJsonValue(item)) ? null : item, depth + 1, inner);
    }
    yield `\n${pad}]`;
    return;
  }
  // Key by key (the report's people have one per person: no list of key and value pairs first).
  const record = json as Record<string, unknown>;
  let first = true;
  for (const key of keysOf(record)) {
    const item = record[key];
    if (isSkipped(toJsonValue(item))) continue;
    yield `${first ? "{" : ","}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonPieces(item, depth + 1, inner);
  }
  yield first ? "{}" : `\n${pad}}`;
}

const toJsonValue = (value: unknown): unknown =>
  value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function"
    ? (value as { toJSON: () => unknown }).toJSON()
    : value;

/** What JSON.stringify leaves out of an object (and writes as null in a list). */
const isSkipped = (value: unknown): boolean =>
  value === undefined || typeof value === "function" || typeof value === "symbol";

/** Each piece with anything that looks like an API key removed (a piece must never split a key). */
function* redactedPieces(pieces: Iterable<string>): Generator<string> {
  for (const piece of pieces) yield redactSecrets(piece);
}

/** JSON in chunks of about 64 KiB, anything that looks like an API key removed (a key is never split). */
export function* redactedJson(value: unknown): Generator<string> {
  yield* redactedPieces(chunked(jsonPieces(value)));
  yield "\n";
}

/** JSON, atomically; anything that looks like an API key is removed whatever string carried it. */
export const writeJsonAtomic = (path: string, value: unknown): Promise<void> =>
  writeFileAtomic(path, redactedJson(value));

/** `--report -`: the report goes to stdout. */
export const STDOUT = "-";

/**
 * Why a report path cannot be used, or null: an existing target must be a regular file (a device, a
 * folder or a link is never written over). Checked before anything is sent.
 */
export async function reportTargetProblem(path: string, flag = "--report"): Promise<string | null> {
  if (path === STDOUT) return null;
  const info = await lstat(path).catch(() => null);
  if (info === null || info.isFile()) return null;
  const what = info.isSymbolicLink()
    ? "a symbolic link"
    : info.isDirectory()
      ? "a folder"
      : "not a regular file";
  return `${flag} ${path} is ${what}; it is written only as a regular file${flag === "--report" ? " (use --report - for stdout)" : ""}`;
}

/** The first problem with the report's path, the CSV's or the HTML's, or null: checked before anything is sent. */
export async function outputTargetProblem(
  report: string,
  csv: string | undefined,
  html?: string,
): Promise<string | null> {
  return (
    (await reportTargetProblem(report)) ??
    (csv === undefined ? null : await reportTargetProblem(csv, "--csv")) ??
    (html === undefined ? null : await reportTargetProblem(html, "--html"))
  );
}

/** `reports/<manifest>-<UTC yyyymmddThhmmssZ><suffix>.json`, the report's default path. */
export function defaultReportPath(manifestPath: string, atMs: number, suffix = ""): string {
  const stamp = new Date(atMs)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
  return `reports/${basename(manifestPath).replace(/\.ya?ml$/i, "")}-${stamp}${suffix}.json`;
}

/**
 * A view of the report (the CSV, the HTML page) written atomically, secrets redacted. One that cannot
 * be written is said on `err`, and false returned: the report stands. A view made in pieces is written
 * piece by piece; each piece is whole rows, so no key is split between two.
 */
export async function writeView(
  path: string,
  what: string,
  render: () => string | Iterable<string> | Promise<string>,
  err: (line: string) => void,
): Promise<boolean> {
  try {
    const text = await render();
    await writeFileAtomic(path, typeof text === "string" ? redactSecrets(text) : redactedPieces(text));
    return true;
  } catch (e) {
    err(`cannot write ${what} to ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return false;
  }
}

/** The report as its HTML page; the page's module loads only when one is asked for. */
export async function htmlOf(report: Report): Promise<string> {
  const { toHtml } = await import("./html.js");
  return toHtml(report);
}
