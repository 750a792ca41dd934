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
 * The append-only journal: each record is written and fsynced before the caller goes on, one at a time,
 * so a crash leaves at most a torn last line, which the reader skips.
 */
export class Journal {
  readonly #handle: FileHandle;
  #queue: Promise<void> = Promise.resolve();

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(stateDir: string): Promise<Journal> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    return new Journal(await open(join(stateDir, JOURNAL_FILE), "a", 0o600));
  }

  append(record: JournalRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const write = this.#queue.then(async () => {
      await this.#handle.write(line);
      await this.#handle.datasync();
    });
    this.#queue = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.#handle.close();
  }
}
