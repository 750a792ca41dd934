import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What a spool asks of the file system; tests pass one that fails. */
export interface SpoolIo {
  readonly writeSync: (
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ) => number;
}

const FS_IO: SpoolIo = {
  writeSync: (fd, buffer, offset, length, position) => writeSync(fd, buffer, offset, length, position),
};

/** Where a spool's file goes, and how it is written (tests). */
export interface SpoolOptions {
  readonly dir?: string;
  readonly io?: SpoolIo;
}

/** Bytes gathered before they are written, and read at once when a record is read back. */
const BLOCK = 1 << 18;

/** Closes a spool's file once nothing can read it any more (the spool is collected). */
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to do
  }
});

/**
 * Records (anything JSON can carry) kept on disk by number rather than in memory, and read back when
 * asked for: what a long run reads or produces for every move (the groups, the results) is most of what
 * it would otherwise hold. The file is created in the system's temporary folder (mode 0600) and unlinked
 * at once: no name leads to it, it is closed when the spool is collected, and it goes when the process
 * ends, whichever way. When it cannot be made or written (no temporary folder, a full disk), the records
 * are kept in memory from then on: a record is never lost.
 */
export class RecordSpool<T> {
  /** Where each record starts in the file's bytes (those written and those still gathered), or -1. */
  #offsets = new Float64Array(1024).fill(-1);
  #lengths = new Uint32Array(1024);
  /** One past the highest number kept. */
  #count = 0;
  /** In memory: every record kept once the file failed, by number. */
  #memory: (T | undefined)[] | null = null;
  #fd: number | null = null;
  readonly #io: SpoolIo;
  /** Bytes in the file. */
  #written = 0;
  /** Bytes gathered after those, not yet written, and the records they hold. */
  readonly #gathered = Buffer.allocUnsafe(BLOCK);
  #gatheredBytes = 0;
  #gatheredSlots: number[] = [];
  /** The file's bytes last read, from `#readFrom`. */
  #read: Buffer | null = null;
  #readFrom = 0;
  #readBytes = 0;

  constructor(options: SpoolOptions = {}) {
    this.#io = options.io ?? FS_IO;
    try {
      const dir = mkdtempSync(join(options.dir ?? tmpdir(), "docspace-migrate-"));
      const path = join(dir, "spool");
      try {
        this.#fd = openSync(path, "wx+", 0o600);
      } finally {
        try {
          unlinkSync(path);
        } catch {
          // not made: nothing to remove
        }
        rmdirSync(dir);
      }
    } catch {
      // (a file made but not cleared away is not used: closed, and the records kept in memory)
      if (this.#fd !== null) closeSync(this.#fd);
      this.#fd = null;
      this.#toMemory();
    }
    if (this.#fd !== null) closer.register(this, this.#fd);
  }

  /** Whether the records are on disk (false: kept in memory, the file could not be used). */
  get onDisk(): boolean {
    return this.#memory === null;
  }

  /** One past the highest number a record was kept under. */
  get count(): number {
    return this.#count;
  }

  /** Keeps a record under the next number, and says which. */
  append(value: T): number {
    const slot = this.#count;
    this.set(slot, value);
    return slot;
  }

  /** Keeps a record under `slot` (a later one under the same number replaces it). */
  set(slot: number, value: T): void {
    if (!Number.isInteger(slot) || slot < 0) throw new RangeError(`no record ${slot}`);
    this.#room(slot);
    if (slot >= this.#count) this.#count = slot + 1;
    if (this.#memory !== null) {
      this.#kept(slot, value);
      return;
    }
    const text = JSON.stringify(value);
    const bytes = Buffer.byteLength(text);
    if (this.#gatheredBytes + bytes > BLOCK && !this.flush()) {
      this.#kept(slot, value);
      return;
    }
    if (bytes > BLOCK) {
      // Larger than a block: written at once (nothing is gathered: the flush above emptied it).
      if (!this.#write(Buffer.from(text), 0, bytes)) {
        this.#kept(slot, value);
        return;
      }
      this.#offsets[slot] = this.#written;
      this.#lengths[slot] = bytes;
      this.#written += bytes;
      return;
    }
    this.#offsets[slot] = this.#written + this.#gatheredBytes;
    this.#lengths[slot] = bytes;
    this.#gathered.write(text, this.#gatheredBytes, "utf8");
    this.#gatheredBytes += bytes;
    this.#gatheredSlots.push(slot);
  }

  /** Whether a record is kept under `slot`. */
  has(slot: number): boolean {
    return (
      slot >= 0 &&
      slot < this.#count &&
      ((this.#offsets[slot] as number) >= 0 || this.#memory?.[slot] !== undefined)
    );
  }

  /** The record kept under `slot`, read again (undefined when there is none). */
  get(slot: number): T | undefined {
    if (!(slot >= 0 && slot < this.#count)) return undefined;
    if (this.#memory !== null && this.#memory[slot] !== undefined) return this.#memory[slot];
    const at = this.#offsets[slot] as number;
    if (at < 0) return undefined;
    const bytes = this.#lengths[slot] as number;
    if (at >= this.#written) {
      const from = at - this.#written;
      return JSON.parse(this.#gathered.toString("utf8", from, from + bytes)) as T;
    }
    if (this.#read === null || at < this.#readFrom || at + bytes > this.#readFrom + this.#readBytes) {
      this.#read =
        this.#read !== null && this.#read.length >= bytes
          ? this.#read
          : Buffer.allocUnsafe(Math.max(BLOCK, bytes));
      this.#readFrom = at;
      this.#readBytes = 0;
      const want = Math.min(this.#read.length, this.#written - at);
      while (this.#readBytes < want) {
        const n = readSync(
          this.#fd as number,
          this.#read,
          this.#readBytes,
          want - this.#readBytes,
          at + this.#readBytes,
        );
        if (n === 0) break;
        this.#readBytes += n;
      }
    }
    const from = at - this.#readFrom;
    return JSON.parse(this.#read.toString("utf8", from, from + bytes)) as T;
  }

  /** Writes what was gathered; on failure, keeps it (and everything after) in memory, and says false. */
  flush(): boolean {
    if (this.#memory !== null) return false;
    if (this.#gatheredBytes === 0) return true;
    if (!this.#write(this.#gathered, 0, this.#gatheredBytes)) return false;
    this.#written += this.#gatheredBytes;
    this.#gatheredBytes = 0;
    this.#gatheredSlots = [];
    return true;
  }

  /** Room in the index for `slot`. */
  #room(slot: number): void {
    if (slot < this.#offsets.length) return;
    let size = this.#offsets.length;
    while (size <= slot) size *= 2;
    const offsets = new Float64Array(size).fill(-1);
    offsets.set(this.#offsets);
    const lengths = new Uint32Array(size);
    lengths.set(this.#lengths);
    this.#offsets = offsets;
    this.#lengths = lengths;
  }

  /** In memory (the file failed): the record, and no place in the file. */
  #kept(slot: number, value: T): void {
    (this.#memory as (T | undefined)[])[slot] = value;
    this.#offsets[slot] = -1;
  }

  /** Writes bytes at the file's end; false (and the spool in memory from then on) when it cannot. */
  #write(buffer: Buffer, from: number, bytes: number): boolean {
    try {
      let done = 0;
      while (done < bytes)
        done += this.#io.writeSync(
          this.#fd as number,
          buffer,
          from + done,
          bytes - done,
          this.#written + done,
        );
      return true;
    } catch {
      this.#toMemory();
      return false;
    }
  }

  /** From now on in memory; what was gathered and not written is read back first. */
  #toMemory(): void {
    const memory: (T | undefined)[] = [];
    for (const slot of this.#gatheredSlots) {
      const from = (this.#offsets[slot] as number) - this.#written;
      memory[slot] = JSON.parse(
        this.#gathered.toString("utf8", from, from + (this.#lengths[slot] as number)),
      ) as T;
      this.#offsets[slot] = -1;
    }
    this.#gatheredSlots = [];
    this.#gatheredBytes = 0;
    this.#memory = memory;
  }
}
