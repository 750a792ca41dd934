import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, readFile, rename, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { compactRecords, foldHistory, parseJournal, type History, type JournalRecord } from "./history.js";

export const JOURNAL_FILE = "journal.jsonl";

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, "0");

/** Reads the history of a state directory; a missing journal is an empty history. */
export async function readHistory(stateDir: string): Promise<History> {
  try {
    return foldHistory(parseJournal(await readFile(join(stateDir, JOURNAL_FILE), "utf8")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return foldHistory([]);
    throw err;
  }
}

/** A journal is rewritten when at least this share of its records says nothing compaction keeps. */
const COMPACT_WHEN_SPARE = 0.5;
/** …and it has at least this many records (a small journal is left as it is). */
const COMPACT_FROM = 1000;

/**
 * The journal's records, read and parsed once. When `compacting` and most of them are spare, the journal
 * is first rewritten with only the records that say what it knows (`compactRecords`): a cron job's
 * journal stays the size of its manifest, not of its age. Called under the journal lock, before the
 * run appends. Written whole to a temporary file, fsynced, renamed over the journal (never through a link): a
 * crash leaves the old journal or the new one. Gives the records that stand afterwards.
 */
async function readJournal(path: string, compacting: boolean): Promise<JournalRecord[]> {
  let text: string;
  try {
    const info = await lstat(path);
    if (!info.isFile()) return [];
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const records = parseJournal(text);
  if (!compacting || records.length < COMPACT_FROM) return records;
  const kept = compactRecords(records);
  if (records.length - kept.length < records.length * COMPACT_WHEN_SPARE) return records;
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await handle.write(kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  return kept;
}

/**
 * The append-only journal: a caller's record is written and fsynced before its append() resolves, so a
 * crash leaves at most a torn last line, which the reader skips. Records that arrive while an fsync is
 * under way are written together and share the next one (group commit): with 15 moves in flight, each
 * still waits for its own line on disk, but not for every other line one at a time.
 */
export class Journal {
  readonly #handle: FileHandle;
  #pending: { line: string; done: () => void; failed: (err: unknown) => void }[] = [];
  #flushing: Promise<void> | null = null;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /**
   * Opens the journal for appending: never through a symbolic link (a link planted at its name would
   * send member ids elsewhere), created 0600 in a 0700 directory; looser modes found are tightened, with
   * a warning each. The journal is read once, for its history (compacted first unless `compacting` is
   * false: the caller says whether no other run has it open).
   */
  static async open(
    stateDir: string,
    options: { compacting?: boolean } = {},
  ): Promise<{ journal: Journal; warnings: string[]; history: History }> {
    const warnings: string[] = [];
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const dir = await stat(stateDir);
    if ((dir.mode & 0o077) !== 0) {
      await chmod(stateDir, 0o700);
      warnings.push(`${stateDir} could be read by others (mode ${octal(dir.mode)}); it is now 0700`);
    }
    const path = join(stateDir, JOURNAL_FILE);
    const records = await readJournal(path, options.compacting !== false);
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    let handle: FileHandle;
    try {
      handle = await open(path, flags, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ELOOP")
        throw new Error(`${path} is a symbolic link; the journal is never written through one (ELOOP)`, {
          cause: err,
        });
      throw err;
    }
    const file = await handle.stat();
    if (!file.isFile()) {
      await handle.close();
      throw new Error(`${path} is not a regular file`);
    }
    if ((file.mode & 0o077) !== 0) {
      await handle.chmod(0o600);
      warnings.push(`${path} could be read by others (mode ${octal(file.mode)}); it is now 0600`);
    }
    return { journal: new Journal(handle), warnings, history: foldHistory(records) };
  }

  append(record: JournalRecord): Promise<void> {
    const written = new Promise<void>((done, failed) => {
      this.#pending.push({ line: `${JSON.stringify(record)}\n`, done, failed });
    });
    this.#flushing ??= this.#flush();
    return written;
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.#handle.write(batch.map((p) => p.line).join(""));
        await this.#handle.datasync();
        for (const p of batch) p.done();
      } catch (err) {
        for (const p of batch) p.failed(err);
      }
    }
    this.#flushing = null;
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.#handle.close();
  }
}
