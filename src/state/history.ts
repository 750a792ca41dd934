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

export interface StartedRecord extends RecordBase {
  readonly event: "started";
  /** The members the move was to take (active and pending non-guests of the source). */
  readonly expected: readonly string[];
}

export interface FinishedRecord extends RecordBase {
  readonly event: "finished";
  readonly status: string;
  readonly reason: string | null;
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
    started: (move: MoveIdentity, expected: readonly string[]): StartedRecord => ({
      ...base(move),
      event: "started",
      expected,
    }),
    finished: (move: MoveIdentity, status: string, reason: string | null): FinishedRecord => ({
      ...base(move),
      event: "finished",
      status,
      reason,
    }),
  };
}

export const moveKey = (r: { portal: string; moveId: string; from: string; to: string }): string =>
  `${r.portal}\u0000${r.moveId}\u0000${r.from}\u0000${r.to}`;

export interface History {
  /** Keys of moves whose last finished record says succeeded. */
  readonly done: ReadonlySet<string>;
  /** Moves started whose result never got written (a crash): check the portal before resending. */
  readonly inDoubt: ReadonlyMap<string, StartedRecord>;
}

/** Folds the records in order: the last word on each move counts. Unreadable lines are skipped. */
export function foldHistory(records: readonly JournalRecord[]): History {
  const done = new Set<string>();
  const open = new Map<string, StartedRecord>();
  for (const record of records) {
    const key = moveKey(record);
    if (record.event === "started") {
      open.set(key, record);
    } else {
      open.delete(key);
      if (record.status === "succeeded") done.add(key);
      else if (record.status === "failed" || record.status === "undone") done.delete(key);
    }
  }
  return { done, inDoubt: open };
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
 * An in-doubt move, judged from what the portal shows now: done when none of the expected members is
 * left in the source and all are in the destination.
 */
export function settledOnPortal(
  started: StartedRecord,
  source: readonly string[],
  destination: readonly string[],
): boolean {
  const inSource = new Set(source);
  const inDestination = new Set(destination);
  return started.expected.every((id) => !inSource.has(id) && inDestination.has(id));
}
