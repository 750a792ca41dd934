/**
 * The journal's records and what they add up to. Pure: the file is read and written by
 * journal.ts. A move is identified by portal origin + move id + resolved source and destination ids.
 */
interface RecordBase {
  readonly v: 1;
  readonly at: string;
  readonly runId: string;
  readonly portal: string;
  readonly moveId: string;
  readonly from: string;
  readonly to: string;
}

/** The groups as an operation found them before its first write (ids only). */
export interface BeforeSnapshot {
  readonly source: readonly string[];
  readonly destination: readonly string[];
  readonly sourceManager: string | null;
}

export interface StartedRecord extends RecordBase {
  readonly event: "started";
  /**
   * A move, the undo of one (absent in records written before undo was journaled: a move), or the
   * creation of its destination (`create`: for the audit; the history of moves leaves it aside).
   */
  readonly op?: "move" | "undo" | "create";
  /** The members the move was to take (active and pending non-guests of the source); undo: to put back. */
  readonly expected: readonly string[];
  /** The source's guests, whom the move drops (v3.7.1 and later). */
  readonly guests?: readonly string[];
  /** The before-snapshot: what `undo <manifest>` puts back when no report was written. */
  readonly before?: BeforeSnapshot;
  /** `manager:` who the move makes the destination's manager. */
  readonly manager?: string;
  /** `create`: the name of the group about to be created. */
  readonly names?: { readonly from: string | null; readonly to: string | null };
}

export interface FinishedRecord extends RecordBase {
  readonly event: "finished";
  readonly op?: "move" | "undo" | "create";
  /** The group a `create` made. */
  readonly createdId?: string;
  /** The move created its destination: undo deletes it once it is empty again. */
  readonly created?: boolean;
  /** `manager:` who the move made the destination's manager, and who was before (for undo). */
  readonly managerSet?: string | null;
  readonly managerBefore?: string | null;
  readonly status: string;
  readonly reason: string | null;
  /** What a move that succeeded did, for `undo <manifest>`. */
  readonly moved?: readonly string[];
  readonly alreadyInDestination?: readonly string[];
  readonly droppedGuests?: readonly string[];
  readonly managerRemoved?: string | null;
  readonly names?: { readonly from: string | null; readonly to: string | null };
}

export type JournalRecord = StartedRecord | FinishedRecord;

/** Which move a record is about: the portal is the recorder's. */
export interface MoveIdentity {
  readonly moveId: string;
  readonly from: string;
  readonly to: string;
}

/** Builds a command's records: one run id, one portal origin, the time from its clock. */
export function recorder(run: { runId: string; portal: string; now: () => number }) {
  const base = (move: MoveIdentity) => ({
    v: 1 as const,
    at: new Date(run.now()).toISOString(),
    runId: run.runId,
    portal: run.portal,
    ...move,
  });
  return {
    key: (move: MoveIdentity): string => moveKey({ portal: run.portal, ...move }),
    started: (
      move: MoveIdentity,
      detail: {
        op: "move" | "undo";
        expected: readonly string[];
        guests: readonly string[];
        before: BeforeSnapshot;
        manager?: string;
      },
    ): StartedRecord => ({
      ...base(move),
      event: "started",
      op: detail.op,
      expected: detail.expected,
      guests: detail.guests,
      before: {
        source: detail.before.source,
        destination: detail.before.destination,
        sourceManager: detail.before.sourceManager,
      },
      ...(detail.manager === undefined ? {} : { manager: detail.manager }),
    }),
    /** An operation's result; an undo that succeeded is recorded as `undone`. */
    finished: (
      move: MoveIdentity,
      result: OperationResult,
      op: "move" | "undo" = "move",
    ): FinishedRecord => ({
      ...base(move),
      event: "finished",
      op,
      status: op === "undo" && result.status === "succeeded" ? "undone" : result.status,
      reason: result.reason,
      ...(result.status === "succeeded" && op === "move"
        ? {
            moved: result.moved,
            alreadyInDestination: result.alreadyInDestination,
            droppedGuests: result.droppedGuests,
            managerRemoved: result.managerRemoved,
            names: { from: result.from.name, to: result.to.name },
            ...(result.created === true ? { created: true } : {}),
            ...(result.managerSet === undefined || result.managerSet === null
              ? {}
              : { managerSet: result.managerSet, managerBefore: result.managerBefore ?? null }),
          }
        : {}),
    }),
    /** Before a group is created for a move: sent only after this is on disk. */
    creating: (move: MoveIdentity, name: string): StartedRecord => ({
      ...base(move),
      event: "started",
      op: "create",
      expected: [],
      names: { from: null, to: name },
    }),
    created: (move: MoveIdentity, name: string, id: string): FinishedRecord => ({
      ...base(move),
      event: "finished",
      op: "create",
      status: "succeeded",
      reason: null,
      createdId: id,
      names: { from: null, to: name },
    }),
    /** A move in doubt that the portal shows done. */
    recovered: (move: MoveIdentity): FinishedRecord => ({
      ...base(move),
      event: "finished",
      op: "move",
      status: "succeeded",
      reason: "recovered",
    }),
  };
}

/** The parts of a result the journal keeps. */
export interface OperationResult {
  readonly status: string;
  readonly reason: string | null;
  readonly moved: readonly string[];
  readonly alreadyInDestination: readonly string[];
  readonly droppedGuests: readonly string[];
  readonly managerRemoved: string | null;
  readonly from: { readonly name: string | null };
  readonly to: { readonly name: string | null };
  readonly created?: true;
  readonly managerSet?: string | null;
  readonly managerBefore?: string | null;
}

export const moveKey = (r: { portal: string; moveId: string; from: string; to: string }): string =>
  `${r.portal}\u0000${r.moveId}\u0000${r.from}\u0000${r.to}`;

/** What the journal knows of one move on one portal. */
export interface MoveHistory {
  /** The last move (not undo) started, with its before-snapshot. */
  readonly started: StartedRecord | null;
  /** The last result of a move that succeeded (not an undo). */
  readonly succeeded: FinishedRecord | null;
  /** The last record of any kind: when, and by which run, the move was last touched. */
  readonly last: JournalRecord;
}

export interface History {
  /** Keys of moves whose last word is a move that succeeded. */
  readonly done: ReadonlySet<string>;
  /** Keys of moves whose last word is an undo that succeeded. */
  readonly undone: ReadonlySet<string>;
  /** Moves (or undos) started whose result never got written (a crash): check the portal before resending. */
  readonly inDoubt: ReadonlyMap<string, StartedRecord>;
  /** Per key, in the order first seen: what `undo <manifest>` and `history` need. */
  readonly moves: ReadonlyMap<string, MoveHistory>;
}

/** Folds the records in order: the last word on each move counts. Unreadable lines are skipped. */
export function foldHistory(records: readonly JournalRecord[]): History {
  const done = new Set<string>();
  const undone = new Set<string>();
  const open = new Map<string, StartedRecord>();
  const moves = new Map<
    string,
    { started: StartedRecord | null; succeeded: FinishedRecord | null; last: JournalRecord }
  >();
  for (const record of records) {
    // Group creations are for the audit: a move's own records say what it did (`created` included).
    if (record.op === "create") continue;
    const key = moveKey(record);
    const entry = moves.get(key) ?? { started: null, succeeded: null, last: record };
    entry.last = record;
    moves.set(key, entry);
    if (record.event === "started") {
      open.set(key, record);
      if (record.op !== "undo") entry.started = record;
      continue;
    }
    open.delete(key);
    if (record.status === "undone") {
      done.delete(key);
      undone.add(key);
    } else if (record.op === "undo") {
      // An undo that failed or did not run changes nothing about the move.
    } else if (record.status === "succeeded") {
      done.add(key);
      undone.delete(key);
      entry.succeeded = record;
    } else if (record.status === "failed") {
      done.delete(key);
    }
  }
  return { done, undone, inDoubt: open, moves };
}

/**
 * The records that say all the journal knows: per move, its last record, its last move started, its
 * last success, its last undo that succeeded, and the last record that decided whether it is done. Folding
 * them gives the same history as folding every record (a property test checks it); the rest is history
 * of history. Kept in their original order. Pure.
 */
export function compactRecords(records: readonly JournalRecord[]): JournalRecord[] {
  const keep = new Set<number>();
  const last = new Map<
    string,
    { any: number; started?: number; succeeded?: number; undone?: number; decided?: number }
  >();
  records.forEach((record, i) => {
    // Creations are kept as long as the journal is not compacted; the move's records say it created.
    if (record.op === "create") return;
    const key = moveKey(record);
    const entry = last.get(key) ?? { any: i };
    entry.any = i;
    if (record.event === "started") {
      if (record.op !== "undo") entry.started = i;
    } else if (record.status === "undone") {
      entry.undone = i;
      entry.decided = i;
    } else if (record.op !== "undo" && record.status === "succeeded") {
      entry.succeeded = i;
      entry.decided = i;
    } else if (record.op !== "undo" && record.status === "failed") {
      entry.decided = i;
    }
    last.set(key, entry);
  });
  for (const entry of last.values())
    for (const i of [entry.any, entry.started, entry.succeeded, entry.undone, entry.decided])
      if (i !== undefined) keep.add(i);
  return records.filter((_r, i) => keep.has(i));
}

/** Parses JSONL text; a torn last line (a crash mid-write) is ignored, as is anything not a record. */
export function parseJournal(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value = JSON.parse(line) as Partial<JournalRecord>;
      if (
        value.v === 1 &&
        (value.event === "started" || value.event === "finished") &&
        typeof value.moveId === "string"
      ) {
        records.push(value as JournalRecord);
      }
    } catch {
      // a line cut short by a crash
    }
  }
  return records;
}

/**
 * An in-doubt move, judged from what the portal shows now: done only when the portal shows every effect of
 * the move — its members in the destination and out of the source, its guests gone and the source's
 * manager cleared when that manager moved (`removesFromSource`: v3.7.1 and later). A move whose source
 * held nobody to move shows nothing of itself, so it is never judged done: it is sent again.
 */
export function settledOnPortal(
  started: StartedRecord,
  source: { readonly members: readonly string[]; readonly managerId: string | null },
  destination: readonly string[],
  removesFromSource = true,
  /** The destination's manager now: a move with `manager:` is done only once that person manages it. */
  destinationManager: string | null = null,
): boolean {
  if (started.expected.length === 0) return false;
  if (started.manager !== undefined && destinationManager !== started.manager) return false;
  const inSource = new Set(source.members);
  const inDestination = new Set(destination);
  if (!started.expected.every((id) => !inSource.has(id) && inDestination.has(id))) return false;
  if (!removesFromSource) return true;
  if ((started.guests ?? []).some((id) => inSource.has(id))) return false;
  const manager = started.before?.sourceManager ?? null;
  const managerMoved =
    manager !== null && (started.expected.includes(manager) || (started.guests ?? []).includes(manager));
  return !(managerMoved && source.managerId === manager);
}

export const MoveState = { Done: "done", InDoubt: "in-doubt", Undone: "undone" } as const;
export type MoveState = (typeof MoveState)[keyof typeof MoveState];

export interface HistoryLine {
  readonly portal: string;
  readonly moveId: string;
  readonly from: string;
  readonly to: string;
  readonly state: MoveState;
  readonly at: string;
  readonly runId: string;
}

/** What `history` shows: each move on each portal that is done, in doubt or undone, by portal. Pure. */
export function historyLines(history: History): HistoryLine[] {
  const lines: HistoryLine[] = [];
  for (const [key, entry] of history.moves) {
    const state = history.inDoubt.has(key)
      ? MoveState.InDoubt
      : history.undone.has(key)
        ? MoveState.Undone
        : history.done.has(key)
          ? MoveState.Done
          : null;
    if (state === null) continue;
    const { portal, moveId, from, to, at, runId } = entry.last;
    lines.push({ portal, moveId, from, to, state, at, runId });
  }
  return lines.sort((a, b) => (a.portal < b.portal ? -1 : a.portal > b.portal ? 1 : 0));
}
