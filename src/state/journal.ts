import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { foldHistory, parseJournal, type History, type JournalRecord } from "./history.js";

export const JOURNAL_FILE = "journal.jsonl";

/** Reads the history of a state directory; a missing journal is an empty history. */
export async function readHistory(stateDir: string): Promise<History> {
  try {
    return foldHistory(parseJournal(await readFile(join(stateDir, JOURNAL_FILE), "utf8")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return foldHistory([]);
    throw err;
  }
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

  static async open(stateDir: string): Promise<Journal> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    return new Journal(await open(join(stateDir, JOURNAL_FILE), "a", 0o600));
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
