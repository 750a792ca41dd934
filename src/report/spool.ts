import { RecordSpool, type SpoolOptions } from "../state/spool.js";
import type { MoveResult } from "./types.js";

/**
 * A long run's move results, kept on disk as they finish rather than in memory (a `RecordSpool`), and
 * read back when the report, its views or the summary ask for them: a result is about 0.6 KB in memory,
 * so 100,000 of them held to the end cost more than the rest of the run.
 */
export class ResultSpool {
  readonly total: number;
  readonly #records: RecordSpool<MoveResult>;
  #view: readonly MoveResult[] | null = null;

  constructor(total: number, options: SpoolOptions = {}) {
    this.total = total;
    this.#records = new RecordSpool<MoveResult>(options);
  }

  /** Whether the results are on disk (false: kept in memory, the file could not be used). */
  get onDisk(): boolean {
    return this.#records.onDisk;
  }

  /** Keeps move `index`'s result. */
  set(index: number, result: MoveResult): void {
    this.#check(index);
    this.#records.set(index, result);
  }

  /** Move `index`'s result, as kept (undefined when it has none yet). */
  get(index: number): MoveResult | undefined {
    this.#check(index);
    return this.#records.get(index);
  }

  /**
   * The results as a read-only list, each read when it is asked for: every array method, iteration and
   * `JSON.stringify` work as on an array, and nothing is held between reads. Every move must have its
   * result first.
   */
  list(): readonly MoveResult[] {
    for (let i = 0; i < this.total; i++)
      if (!this.#records.has(i)) throw new Error(`move ${i} has no result to list`);
    this.#records.flush();
    this.#view ??= spooledView(this);
    return this.#view;
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.total)
      throw new RangeError(`no move ${index} among ${this.total}`);
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
