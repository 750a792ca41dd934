import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { redactSecrets } from "../text.js";
import type { Report } from "./types.js";

/**
 * Writes a file atomically: a temporary file beside it, fsynced, then renamed over the target, so a
 * reader never sees half a file. Mode 0600: reports and snapshots name people.
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(temp, path);
}

/** JSON, atomically; anything that looks like an API key is removed whatever string carried it. */
export const writeJsonAtomic = (path: string, value: unknown): Promise<void> =>
  writeFileAtomic(path, `${redactSecrets(JSON.stringify(value, null, 2))}\n`);

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
 * be written is said on `err`, and false returned: the report stands.
 */
export async function writeView(
  path: string,
  what: string,
  render: () => string | Promise<string>,
  err: (line: string) => void,
): Promise<boolean> {
  try {
    await writeFileAtomic(path, redactSecrets(await render()));
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
