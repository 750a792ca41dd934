import {
  MoveStatus,
  Outcome,
  Reason,
  type GroupRefReport,
  type MoveResult,
  type Report,
  type Summary,
} from "./types.js";
import { flat } from "../text.js";

/** The run's outcome from its move results and how it ended. Pure. */
export function outcomeOf(
  moves: readonly MoveResult[],
  stopped: "aborted" | "deferred" | "interrupted" | null,
): Outcome {
  if (stopped === "aborted") return Outcome.Aborted;
  if (stopped === "deferred") return Outcome.Deferred;
  if (stopped === "interrupted") return Outcome.Interrupted;
  const bad = moves.some(
    (m) =>
      m.status === MoveStatus.Failed || m.status === MoveStatus.NotAttempted || m.reason === Reason.StalePlan,
  );
  return bad ? Outcome.Failed : Outcome.Succeeded;
}

export function summarize(
  moves: readonly MoveResult[],
  counters: { requests: number; retries: number; rateLimited: number },
): Summary {
  // One pass, counting: no list of the moves per status.
  const by = new Map<MoveStatus, number>();
  let membersMoved = 0;
  for (const m of moves) {
    by.set(m.status, (by.get(m.status) ?? 0) + 1);
    membersMoved += m.moved.length;
  }
  const count = (status: MoveStatus): number => by.get(status) ?? 0;
  return {
    total: moves.length,
    succeeded: count(MoveStatus.Succeeded),
    failed: count(MoveStatus.Failed),
    skipped: count(MoveStatus.Skipped),
    planned: count(MoveStatus.Planned),
    notAttempted: count(MoveStatus.NotAttempted),
    membersMoved,
    requests: counters.requests,
    retries: counters.retries,
    rateLimited: counters.rateLimited,
  };
}

export type ReportInput = Omit<Report, "reportVersion" | "summary"> & {
  readonly counters: { requests: number; retries: number; rateLimited: number };
};

export function buildReport(input: ReportInput): Report {
  const { counters, ...rest } = input;
  return { reportVersion: 1, ...rest, summary: summarize(input.moves, counters) };
}

/** A result for a move that did not run. */
export function notRun(
  move: { readonly id: string; readonly note: string | null; readonly from: RefLike; readonly to: RefLike },
  resolved: { readonly from: GroupRefReport; readonly to: GroupRefReport } | null,
  status: MoveStatus,
  reason: Reason,
  message?: string,
): MoveResult {
  const ref = (r: RefLike): GroupRefReport => ({
    id: r.kind === "id" ? r.id : null,
    name: r.kind === "name" ? r.name : null,
  });
  return {
    id: move.id,
    note: move.note,
    from: resolved?.from ?? ref(move.from),
    to: resolved?.to ?? ref(move.to),
    status,
    reason,
    attempts: 0,
    durationMs: 0,
    httpStatus: null,
    error: message === undefined ? null : { kind: reason, message, httpStatus: null },
    before: null,
    moved: [],
    alreadyInDestination: [],
    droppedGuests: [],
    guestsLeftInSource: [],
    managerRemoved: null,
    managerSet: null,
    managerBefore: null,
    completion: null,
    verified: false,
    warnings: [],
  };
}

/** One empty list for every result with nothing in one (most results have several). */
const NONE: readonly never[] = Object.freeze([]);
const list = <T>(items: readonly T[]): readonly T[] => (items.length === 0 ? NONE : items);

/**
 * A move's result with its keys written out in one order. Results are built by spreading one into the
 * next, which left most of them with a V8 shape of their own (a few hundred bytes each, 10 MB at 10,000
 * moves); copied through here, they all share a few. Empty lists are one shared list, and warnings are
 * stored flat: results are kept until the report is written.
 */
export function shaped(r: MoveResult): MoveResult {
  const out: Partial<{ -readonly [K in keyof MoveResult]: MoveResult[K] }> = {
    id: r.id,
    note: r.note,
    from: r.from,
    to: r.to,
    status: r.status,
    reason: r.reason,
    attempts: r.attempts,
    durationMs: r.durationMs,
    httpStatus: r.httpStatus,
    error: r.error,
    before:
      r.before === null
        ? null
        : {
            source: list(r.before.source),
            destination: list(r.before.destination),
            sourceManager: r.before.sourceManager,
          },
    moved: list(r.moved),
    alreadyInDestination: list(r.alreadyInDestination),
    droppedGuests: list(r.droppedGuests),
    guestsLeftInSource: list(r.guestsLeftInSource),
    managerRemoved: r.managerRemoved,
  };
  // The same order as a result written whole (notRun): the report reads the same.
  if (r.managerSet !== undefined) out.managerSet = r.managerSet;
  if (r.managerBefore !== undefined) out.managerBefore = r.managerBefore;
  out.completion = r.completion;
  out.verified = r.verified;
  out.warnings = r.warnings.length === 0 ? NONE : r.warnings.map(flat);
  if (r.created !== undefined) out.created = r.created;
  if (r.preview !== undefined) out.preview = r.preview;
  return out as MoveResult;
}

/** A manifest's group reference, as far as a result needs it. */
type RefLike =
  { readonly kind: "id"; readonly id: string } | { readonly kind: "name"; readonly name: string };
