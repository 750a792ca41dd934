import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MoveResult } from "./types.js";

/** What the spool asks of the file system; tests pass one that fails. */
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

/** Bytes gathered before they are written, and read at once when a result is read back. */
const BLOCK = 1 << 18;

/** Closes a spool's file once nothing can read it any more (its list is collected). */
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to do
  }
});

/**
 * A long run's move results, kept on disk as they finish rather than in memory, and read back (as JSON)
 * when the report, its views or the summary ask for them: a result is about 0.6 KB in memory, so 100,000
 * of them held to the end cost more than the rest of the run. The file is created in the system's
 * temporary folder (mode 0600) and unlinked at once: no name leads to it, and it goes when the process
 * ends, whichever way. When it cannot be made or written (no temporary folder, a full disk), the results
 * are kept in memory instead: a result is never lost.
 */
export class ResultSpool {
  readonly total: number;
  /** Where each result starts in the file's bytes (those written and those still gathered), or -1. */
  readonly #offsets: Float64Array;
  readonly #lengths: Uint32Array;
  /** In memory: every result once the file failed, by index. */
  #memory: (MoveResult | undefined)[] | null = null;
  #fd: number | null = null;
  readonly #io: SpoolIo;
  /** Bytes in the file. */
  #written = 0;
  /** Bytes gathered after those, not yet written, and the results they hold. */
  readonly #gathered = Buffer.allocUnsafe(BLOCK);
  #gatheredBytes = 0;
  #gatheredIndexes: number[] = [];
  /** The file's bytes last read, from `#readFrom`. */
  #read: Buffer | null = null;
  #readFrom = 0;
  #readBytes = 0;
  #view: readonly MoveResult[] | null = null;

  constructor(total: number, options: { readonly dir?: string; readonly io?: SpoolIo } = {}) {
    this.total = total;
    this.#offsets = new Float64Array(total).fill(-1);
    this.#lengths = new Uint32Array(total);
    this.#io = options.io ?? FS_IO;
    try {
      const dir = mkdtempSync(join(options.dir ?? tmpdir(), "docspace-migrate-"));
      const path = join(dir, "results");
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
      // (a file made but not cleared away is not used: closed, and the results kept in memory)
      if (this.#fd !== null) closeSync(this.#fd);
      this.#fd = null;
      this.#toMemory();
    }
  }

  /** Whether the results are on disk (false: kept in memory, the file could not be used). */
  get onDisk(): boolean {
    return this.#memory === null;
  }

  /** Keeps move `index`'s result. */
  set(index: number, result: MoveResult): void {
    this.#check(index);
    if (this.#memory !== null) {
      this.#kept(index, result);
      return;
    }
    const text = JSON.stringify(result);
    const bytes = Buffer.byteLength(text);
    if (this.#gatheredBytes + bytes > BLOCK && !this.#flush()) {
      this.#kept(index, result);
      return;
    }
    if (bytes > BLOCK) {
      // Larger than a block: written at once (nothing is gathered: the flush above emptied it).
      if (!this.#write(Buffer.from(text), 0, bytes)) {
        this.#kept(index, result);
        return;
      }
      this.#offsets[index] = this.#written;
      this.#lengths[index] = bytes;
      this.#written += bytes;
      return;
    }
    this.#offsets[index] = this.#written + this.#gatheredBytes;
    this.#lengths[index] = bytes;
    this.#gathered.write(text, this.#gatheredBytes, "utf8");
    this.#gatheredBytes += bytes;
    this.#gatheredIndexes.push(index);
  }

  /** Move `index`'s result, as kept (undefined when it has none yet). */
  get(index: number): MoveResult | undefined {
    this.#check(index);
    if (this.#memory !== null && this.#memory[index] !== undefined) return this.#memory[index];
    const at = this.#offsets[index] as number;
    if (at < 0) return undefined;
    const bytes = this.#lengths[index] as number;
    if (at >= this.#written) {
      const from = at - this.#written;
      return JSON.parse(this.#gathered.toString("utf8", from, from + bytes)) as MoveResult;
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
    return JSON.parse(this.#read.toString("utf8", from, from + bytes)) as MoveResult;
  }

  /**
   * The results as a read-only list, each read when it is asked for: every array method, iteration and
   * `JSON.stringify` work as on an array, and nothing is held between reads. Every move must have its
   * result first.
   */
  list(): readonly MoveResult[] {
    for (let i = 0; i < this.total; i++)
      if (this.#offsets[i] === -1 && this.#memory?.[i] === undefined)
        throw new Error(`move ${i} has no result to list`);
    this.#flush();
    if (this.#view === null) {
      this.#view = spooledView(this);
      // The file is closed once the list is collected; the spool is only read through it.
      if (this.#fd !== null) closer.register(this.#view, this.#fd);
    }
    return this.#view;
  }

  /** In memory (the file failed): the result, and no place in the file. */
  #kept(index: number, result: MoveResult): void {
    (this.#memory as (MoveResult | undefined)[])[index] = result;
    this.#offsets[index] = -1;
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.total)
      throw new RangeError(`no move ${index} among ${this.total}`);
  }

  /** Writes what was gathered; on failure, keeps it (and everything after) in memory, and says false. */
  #flush(): boolean {
    if (this.#memory !== null) return false;
    if (this.#gatheredBytes === 0) return true;
    if (!this.#write(this.#gathered, 0, this.#gatheredBytes)) return false;
    this.#written += this.#gatheredBytes;
    this.#gatheredBytes = 0;
    this.#gatheredIndexes = [];
    return true;
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
    const memory: (MoveResult | undefined)[] = new Array<MoveResult | undefined>(this.total);
    for (const index of this.#gatheredIndexes) {
      const from = (this.#offsets[index] as number) - this.#written;
      memory[index] = JSON.parse(
        this.#gathered.toString("utf8", from, from + (this.#lengths[index] as number)),
      ) as MoveResult;
      this.#offsets[index] = -1;
    }
    this.#gatheredIndexes = [];
    this.#gatheredBytes = 0;
    this.#memory = memory;
  }
}

const INDEX = /^(?:0|[1-9]\d*)$/;

/** An index of the list, or -1. */
function indexOf(key: string | symbol, total: number): number {
  if (typeof key !== "string" || !INDEX.test(key)) return -1;
  const n = Number(key);
  return n < total ? n : -1;
}

/** The lists made by spools. */
const spooledLists = new WeakSet<readonly MoveResult[]>();

/** A read-only array whose items are the spool's results, read on each access. */
function spooledView(spool: ResultSpool): readonly MoveResult[] {
  const refuse = (): never => {
    throw new TypeError("a spooled list of results is read-only");
  };
  const view = new Proxy(new Array<MoveResult>(spool.total), {
    get(target, key, receiver) {
      const i = indexOf(key, spool.total);
      return i >= 0 ? spool.get(i) : (Reflect.get(target, key, receiver) as unknown);
    },
    has(target, key) {
      return indexOf(key, spool.total) >= 0 || Reflect.has(target, key);
    },
    ownKeys(target) {
      return [...Array.from({ length: spool.total }, (_, i) => String(i)), ...Reflect.ownKeys(target)];
    },
    getOwnPropertyDescriptor(target, key) {
      const i = indexOf(key, spool.total);
      if (i < 0) return Reflect.getOwnPropertyDescriptor(target, key);
      return { value: spool.get(i), writable: false, enumerable: true, configurable: true };
    },
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
  });
  spooledLists.add(view);
  return view;
}

/**
 * `moves.map(change)`, kept in a spool of its own when `moves` is spooled (a plain array stays one): a
 * preview rewrites every result, and the rewritten ones are as many.
 */
export function mapResults(
  moves: readonly MoveResult[],
  change: (move: MoveResult, index: number) => MoveResult,
): readonly MoveResult[] {
  if (!spooledLists.has(moves)) return moves.map(change);
  const spool = new ResultSpool(moves.length);
  for (let i = 0; i < moves.length; i++) spool.set(i, change(moves[i] as MoveResult, i));
  return spool.list();
}
