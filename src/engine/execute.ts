import pLimit from "p-limit";
import type { Logger } from "pino";
import type { MoveSpec } from "../manifest/types.js";
import type { UndoStep } from "../plan/inverse.js";
import { groupsToChange, type GroupState } from "../plan/group-store.js";
import { dependencies } from "../plan/order.js";
import { PreflightAbort } from "../plan/preflight.js";
import {
  isPlannedGroup,
  ProblemReason,
  type GroupName,
  type GroupSnapshot,
  type Preflight,
  type ResolvedMove,
} from "../plan/types.js";
import { PortalError, PortalErrorKind, type Portal } from "../portal/port.js";
import { MoveBehaviour } from "../portal/version.js";
import { notRun, shaped } from "../report/build.js";
import { ResultSpool } from "../report/spool.js";
import { MoveStatus, Reason, type BeforeState, type MoveResult } from "../report/types.js";
import { runMove } from "./move.js";
import { runPartialMove } from "./partial.js";
import type { After, OperationContext, OperationOutcome, StartedDetail } from "./operation.js";
import { runUndoStep } from "./undo-step.js";

export type { After, OperationContext, OperationOutcome, StartedDetail } from "./operation.js";

export const StopKind = { Aborted: "aborted", Deferred: "deferred", Interrupted: "interrupted" } as const;
export type StopKind = (typeof StopKind)[keyof typeof StopKind];

/**
 * How a command stops when its reads fail before anything was written: the key was refused or the portal
 * is gone (aborted), the portal asks to wait too long (deferred), or a signal came (interrupted). Null for
 * anything else, which is a bug to surface.
 */
export function stopBeforeWrites(
  err: unknown,
  interrupted: string,
): { kind: StopKind; message: string; reason: Reason } | null {
  if (err instanceof PreflightAbort)
    return { kind: StopKind.Aborted, message: err.message, reason: Reason.Aborted };
  if (!(err instanceof PortalError)) return null;
  if (err.kind === PortalErrorKind.Interrupted)
    return { kind: StopKind.Interrupted, message: interrupted, reason: Reason.Interrupted };
  if (err.kind === PortalErrorKind.Deferred)
    return { kind: StopKind.Deferred, message: err.message, reason: Reason.Deferred };
  if (err.fatal) return { kind: StopKind.Aborted, message: err.message, reason: Reason.Aborted };
  return null;
}

export interface ExecuteInput {
  readonly moves: readonly MoveSpec[];
  readonly preflight: Preflight;
  /** --only / --exclude: moves not selected are skipped (`excluded`). */
  readonly selected: (moveId: string) => boolean;
  readonly verify: boolean;
  readonly concurrency: number;
  /** `run --plan`: moves whose groups changed since the plan, with those groups' names. */
  readonly stale?: ReadonlyMap<string, readonly string[]>;
  /** The state store's word: this move is already done (undo: already undone) on this portal. */
  readonly alreadyDone?: (move: ResolvedMove) => boolean;
  /** A move left in doubt by a crash and sent again: the groups as its first attempt found them. */
  readonly resumed?: (move: ResolvedMove) => BeforeState | undefined;
  /** Undo: the inverse of each move, by index; without it, the moves themselves run. */
  readonly undo?: readonly UndoStep[];
  /** The preview: a key that cannot write blocks nothing (a read-only key is the right key for it). */
  readonly ignoreKey?: boolean;
  /**
   * The preview: told, by move index, the groups right after each move that ran to the end, to keep what
   * it needs of them; a run does not need them.
   */
  readonly onAfter?: (index: number, after: After) => void;
  /**
   * The groups as the preflight read them, handed to the engine, which lets each go once the last move
   * that touches it has finished (a long run then holds fewer as it goes); without it, the engine works
   * on a fork of `preflight.groups`.
   */
  readonly groups?: GroupState;
}

/** Where each move is recorded before its first write is sent and after its result. */
export interface MoveJournal {
  started(move: ResolvedMove, detail: StartedDetail): Promise<void>;
  finished(move: ResolvedMove, result: MoveResult): Promise<void>;
  /** Before a group is created for a move (`create: true`), and once it exists. */
  creating?(move: ResolvedMove, name: string): Promise<void>;
  created?(move: ResolvedMove, name: string, id: string): Promise<void>;
}

export interface ExecuteDeps {
  readonly portal: Portal;
  readonly logger: Logger;
  readonly now: () => number;
  /** SIGINT/SIGTERM: no new move starts. */
  readonly stop?: AbortSignal;
  /** Each operation's result as it finishes (skipped ones included). */
  readonly onProgress?: (done: number, total: number, result: MoveResult) => void;
  /** Just before an operation sends its first write. */
  readonly onWrite?: () => void;
  readonly journal?: MoveJournal;
}

export interface ExecuteResult {
  readonly moves: readonly MoveResult[];
  /** Set when the run stopped early, with why. */
  readonly stopped: { readonly kind: StopKind; readonly message: string } | null;
}

/**
 * Runs the operations (the moves, or their inverses for undo) over a Portal. Operations that share a group
 * run in order; the rest run at once, up to `concurrency`. Every operation returns a result; nothing here
 * throws for a failed one.
 */
export async function execute(input: ExecuteInput, deps: ExecuteDeps): Promise<ExecuteResult> {
  const { moves, preflight } = input;
  const total = moves.length;
  let stopped: ExecuteResult["stopped"] = null;

  if (preflight.problems.length > 0) {
    const byMove = new Map(preflight.problems.map((p) => [p.moveId, p]));
    return {
      moves: moves.map((m, i) => {
        const problem = byMove.get(m.id);
        const reason =
          problem?.reason === ProblemReason.GroupNotFound ? Reason.GroupNotFound : Reason.Preflight;
        return notRun(
          m,
          preflight.moves[i] ?? null,
          MoveStatus.NotAttempted,
          reason,
          problem?.message ?? "not attempted: the preflight found blocking problems",
        );
      }),
      stopped: null,
    };
  }
  if (preflight.key.canWrite === false && input.ignoreKey !== true) {
    const message = `the key cannot write groups: ${preflight.key.refusals.join("; ")}`;
    return {
      moves: moves.map((m, i) =>
        notRun(m, preflight.moves[i] ?? null, MoveStatus.NotAttempted, Reason.Aborted),
      ),
      stopped: { kind: StopKind.Aborted, message },
    };
  }

  const state = input.groups ?? groupsToChange(preflight.groups);
  // Which of its groups each move is the last to touch (LAST_FROM, LAST_TO): once it has finished, nothing
  // reads that group's state again. One byte a move, rather than a map of every group kept to the end;
  // told by the ordering below, which finds each group's last move anyway.
  const lastTouch = new Uint8Array(total);
  // Groups to create (`create: true`), by planned id: created once, by the first move that reaches one
  // (moves that share a group run in order, so that is the first in the manifest).
  const creations = new Map<string, { readonly group: Promise<GroupSnapshot>; readonly by: string }>();
  const created = (
    planned: GroupName,
    resolved: ResolvedMove,
    call: OperationContext["call"],
  ): Promise<GroupSnapshot> => {
    const existing = creations.get(planned.id);
    if (existing !== undefined) return existing.group;
    const group = (async () => {
      // Journaled before it is sent; a run after a crash finds the group by its exact name instead.
      await deps.journal?.creating?.(resolved, planned.name);
      deps.onWrite?.();
      const made = await deps.portal.createGroup(planned.name, null, call);
      if (made.name !== planned.name)
        throw new PortalError(
          PortalErrorKind.BadAnswer,
          `the group created as ${JSON.stringify(planned.name)} came back named ${JSON.stringify(made.name)}`,
        );
      state.set(made.id, made);
      await deps.journal?.created?.(resolved, planned.name, made.id);
      deps.logger.info(
        { event: "group.created", move: resolved.spec.id, group: made.id },
        `created the group ${planned.name}`,
      );
      return made;
    })();
    creations.set(planned.id, { group, by: resolved.spec.id });
    return group;
  };
  const undoing = input.undo !== undefined;
  const graph = dependencies(
    total,
    (i) => {
      const r = preflight.moves[i];
      return r === null || r === undefined ? [] : [r.from.id, r.to.id];
    },
    (group, i) => {
      const r = preflight.moves[i] as ResolvedMove;
      lastTouch[i] = (lastTouch[i] as number) | (r.from.id === group ? LAST_FROM : LAST_TO);
    },
  );
  const window = pLimit(2 * input.concurrency);
  const slots = semaphore(input.concurrency);
  let finished = 0;
  // Each move's promise while it runs (a later move may wait on it); dropped once it has its outcome.
  const results: (Promise<MoveResult> | undefined)[] = [];
  // Each move's result once it has one, on disk (a long run's results are most of what it would hold),
  // and whether it went as planned, which is all a later move sharing a group needs of it.
  const spool = new ResultSpool(total);
  const fate = new Uint8Array(total);
  const stopReason = (): Reason =>
    stopped?.kind === StopKind.Deferred
      ? Reason.Deferred
      : stopped?.kind === StopKind.Interrupted
        ? Reason.Interrupted
        : Reason.Aborted;

  const stopWith = (kind: StopKind, message: string): void => {
    if (stopped === null) {
      stopped = { kind, message };
      deps.logger.warn({ event: "run.stopping", kind }, message);
    }
  };
  const onStop = (): void => {
    stopWith(StopKind.Interrupted, "interrupted by a signal");
  };
  if (deps.stop?.aborted === true) onStop();
  deps.stop?.addEventListener("abort", onStop, { once: true });

  const failure =
    (moveId: string) =>
    (err: unknown, reason: Reason, base: MoveResult): MoveResult => {
      if (!(err instanceof PortalError)) throw err; // a bug: let it surface (exit 70)
      const attempts = base.attempts;
      switch (err.kind) {
        case PortalErrorKind.Interrupted:
          return {
            ...base,
            status: attempts === 0 ? MoveStatus.NotAttempted : MoveStatus.Failed,
            reason: Reason.Interrupted,
            error: { kind: "interrupted", message: err.message, httpStatus: null },
          };
        case PortalErrorKind.Deferred:
          stopWith(StopKind.Deferred, `move "${moveId}": ${err.message}`);
          return {
            ...base,
            status: MoveStatus.NotAttempted,
            reason: Reason.Deferred,
            httpStatus: err.httpStatus,
            error: errorOf(err),
          };
        case PortalErrorKind.Aborted:
        case PortalErrorKind.Unreachable:
          stopWith(StopKind.Aborted, `move "${moveId}": ${err.message}`);
          break;
        case PortalErrorKind.BadAnswer:
          return {
            ...base,
            status: MoveStatus.Failed,
            reason: Reason.BadAnswer,
            httpStatus: err.httpStatus,
            error: errorOf(err),
          };
        default:
          break;
      }
      return { ...base, status: MoveStatus.Failed, reason, httpStatus: err.httpStatus, error: errorOf(err) };
    };

  // Moves are started in manifest order, a few at a time: at most LOOKAHEAD × concurrency of them past
  // their earlier moves and not finished (a move waiting for an earlier one does not count). Starting all
  // of them at once held a pending function, its promises and a queue entry per move (1.2 KB a move).
  const lookahead = LOOKAHEAD * input.concurrency;
  let started = 0;
  let waiting = 0;
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const allDone = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Called once to begin and then after each move finishes (in a microtask, never from inside itself).
  // A move started here that must wait for an earlier one counts itself as waiting before its first
  // `await`, so this loop goes on past it.
  const startMore = (): void => {
    while (started < total && started - finished - waiting < lookahead) {
      const index = started++;
      const running = runOne(index);
      results[index] = running;
      running.then(
        () => {
          results[index] = undefined; // its fate is in `fate`, where later moves look first
        },
        (err: unknown) => {
          settle.reject(err);
        },
      );
    }
    if (finished === total) settle.resolve();
  };
  const runOne = async (index: number): Promise<MoveResult> => {
    const move = moves[index] as MoveSpec;
    const resolved = preflight.moves[index] as ResolvedMove;
    const before = graph[index] ?? [];
    if (before.some((d) => fate[d] === PENDING)) {
      waiting++;
      try {
        // (a move that has finished since has no promise left: its outcome is there)
        await Promise.all(before.flatMap((d) => results[d] ?? []));
      } finally {
        waiting--;
      }
    }
    const finish = (result: MoveResult): MoveResult => {
      const kept = shaped(asReported(result));
      spool.set(index, kept);
      fate[index] = wentAsPlanned(kept) ? AS_PLANNED : NOT_AS_PLANNED;
      const touched = preflight.moves[index] ?? null; // (null for a move the preview leaves out)
      if (touched !== null) {
        const last = lastTouch[index] as number;
        if ((last & LAST_FROM) !== 0) state.delete(touched.from.id);
        if ((last & LAST_TO) !== 0) state.delete(touched.to.id);
      }
      finished++; // (not in the optional call's arguments: they are not evaluated without a callback)
      deps.onProgress?.(finished, total, kept);
      // The next moves start once this one's dependents have seen it finish.
      queueMicrotask(startMore);
      return kept;
    };
    if (!input.selected(move.id)) return finish(notRun(move, resolved, MoveStatus.Skipped, Reason.Excluded));
    if (input.alreadyDone?.(resolved) === true) {
      return finish({
        ...notRun(move, resolved, MoveStatus.Skipped, undoing ? Reason.AlreadyUndone : Reason.AlreadyDone),
        warnings: [
          undoing
            ? "already undone on this portal by an earlier undo (see the state directory)"
            : "already done on this portal by an earlier run (see the state directory); --force runs it again",
        ],
      });
    }
    const changed = input.stale?.get(move.id);
    if (changed !== undefined) {
      return finish({
        ...notRun(move, resolved, MoveStatus.Skipped, Reason.StalePlan),
        warnings: [
          `not run: the members of ${changed.map((n) => `"${n}"`).join(" and ")} changed since the plan was made`,
        ],
      });
    }
    // A run that stopped leaves the rest for later: that is not a failure of the moves waited on.
    if (stopped !== null) return finish(notRun(move, resolved, MoveStatus.NotAttempted, stopReason()));
    const blocker = before.find((d) => fate[d] !== AS_PLANNED);
    if (blocker !== undefined) {
      return finish({
        ...notRun(move, resolved, MoveStatus.Skipped, Reason.DependencyFailed),
        warnings: [
          `skipped: move "${(moves[blocker] as MoveSpec).id}" shares a group with this one and did not complete`,
        ],
      });
    }
    // Two limits: up to 2× `concurrency` moves prepare and write their "started" record (the journal
    // commits those of a window in one fsync), and `concurrency` of them hold a slot while their
    // requests are sent. The slot is taken right after the record, and released before the
    // "finished" record is written, so no fsync keeps a request from going out.
    const ran = await window(async () => {
      if (stopped !== null)
        return { result: notRun(move, resolved, MoveStatus.NotAttempted, stopReason()), record: null };
      const log = deps.logger.child({ move: move.id });
      const call: OperationContext["call"] = {
        tally: { attempts: 0 },
        onRetry: (notice) => {
          log.warn(
            {
              event: "move.retry",
              attempt: notice.attempt,
              retriesLeft: notice.retriesLeft,
              httpStatus: notice.httpStatus,
              kind: notice.kind,
            },
            notice.message,
          );
        },
      };
      const slot = { held: false }; // set inside `take`, read after the operation
      /** The slot, before the first request; a stop that came while waiting for it sends nothing. */
      const take = async (): Promise<void> => {
        if (!slot.held) {
          await slots.acquire();
          slot.held = true;
        }
        if (stopped !== null) throw new NotSent();
      };
      try {
        // A group still to create is created now, right before its first move, and used by its id.
        let target = resolved;
        let creates = false;
        try {
          for (const side of ["from", "to"] as const) {
            const group = target[side];
            if (!isPlannedGroup(group.id)) continue;
            if (!creations.has(group.id)) await take();
            const made = await created(group, resolved, call);
            creates ||= creations.get(group.id)?.by === move.id;
            target = { ...target, [side]: { id: made.id, name: made.name } };
          }
        } catch (err) {
          if (err instanceof NotSent)
            return {
              result: notRun(move, resolved, MoveStatus.NotAttempted, stopReason()),
              record: null,
            };
          const base = notRun(move, resolved, MoveStatus.Failed, Reason.HttpError);
          return {
            result: failure(move.id)(err, Reason.HttpError, { ...base, attempts: call.tally.attempts }),
            record: null,
          };
        }
        const { outcome, record } = await journaled(
          target,
          deps,
          take,
          () => notRun(move, resolved, MoveStatus.NotAttempted, stopReason()),
          input.resumed?.(resolved) !== undefined,
          (beforeSend) => {
            const ctx: OperationContext = {
              resolved: target,
              portal: deps.portal,
              state,
              verify: input.verify || preflight.behaviour !== MoveBehaviour.Move,
              version: preflight.portalVersion,
              resumed: input.resumed?.(resolved) ?? null,
              log,
              now: deps.now,
              call,
              beforeSend,
              failure: failure(move.id),
            };
            const step = input.undo?.[index];
            if (step !== undefined) return runUndoStep(ctx, step);
            return target.members === undefined ? runMove(ctx) : runPartialMove(ctx);
          },
        );
        if (outcome.after !== null) input.onAfter?.(index, outcome.after);
        const result = creates ? { ...outcome.result, created: true as const } : outcome.result;
        return { result, record: record === null ? null : () => record(result) };
      } finally {
        if (slot.held) slots.release();
      }
    });
    await ran.record?.();
    return finish(ran.result);
  };

  try {
    startMore();
    await allDone;
    return { moves: spool.list(), stopped };
  } finally {
    deps.stop?.removeEventListener("abort", onStop);
  }
}

/** How many moves per unit of `concurrency` are under way at once (see `startMore`). */
const LOOKAHEAD = 4;
/** A move's fate, as later moves sharing a group see it. */
const PENDING = 0;
const AS_PLANNED = 1;
const NOT_AS_PLANNED = 2;
/** A move is the last to touch its source (1), its destination (2). */
const LAST_FROM = 1;
const LAST_TO = 2;

/**
 * A result as the report says it: a group still to create (its move did not run, or its creation failed)
 * has no id yet, so it is named only (the planned id is the engine's own).
 */
function asReported(result: MoveResult): MoveResult {
  const named = (group: MoveResult["from"]): MoveResult["from"] =>
    group.id !== null && isPlannedGroup(group.id) ? { id: null, name: group.name } : group;
  const from = named(result.from);
  const to = named(result.to);
  return from === result.from && to === result.to ? result : { ...result, from, to };
}

const wentAsPlanned = (r: MoveResult): boolean =>
  r.status === MoveStatus.Succeeded ||
  r.status === MoveStatus.Planned ||
  (r.status === MoveStatus.Skipped &&
    (r.reason === Reason.Excluded || r.reason === Reason.AlreadyDone || r.reason === Reason.AlreadyUndone));

/** Thrown by `take` when a stop came while the move waited for its slot: nothing was sent. */
class NotSent extends Error {}

/**
 * An operation with its journal records: "started" fsynced before its first write, then the slot taken;
 * "finished" returned as a step for the caller to take once the slot is released. A move stopped
 * between the two is recorded as not attempted, so it is not left in doubt; unless it was in doubt
 * already (a crash's leftover, `resumed`): then its records stay open, and the next run judges it from
 * the portal with the groups as its first attempt found them, as before this run.
 */
async function journaled(
  resolved: ResolvedMove,
  deps: ExecuteDeps,
  take: () => Promise<void>,
  notSent: () => MoveResult,
  inDoubt: boolean,
  operation: (beforeSend: (detail: StartedDetail) => Promise<void>) => Promise<OperationOutcome>,
): Promise<{ outcome: OperationOutcome; record: ((result: MoveResult) => Promise<void>) | null }> {
  const journal = deps.journal;
  const sent = { started: false }; // set inside the callback, read after it
  let outcome: OperationOutcome;
  try {
    outcome = await operation(async (detail) => {
      if (journal !== undefined) await journal.started(resolved, detail);
      sent.started = true;
      await take();
      deps.onWrite?.();
    });
  } catch (err) {
    if (!(err instanceof NotSent)) throw err;
    outcome = { result: notSent(), after: null };
    if (inDoubt) return { outcome, record: null };
  }
  const record =
    sent.started && journal !== undefined ? (result: MoveResult) => journal.finished(resolved, result) : null;
  return { outcome, record };
}

/** A counting semaphore: `acquire` waits for a free slot, first come first served. */
function semaphore(size: number): { acquire(): Promise<void>; release(): void } {
  let free = size;
  const queue: (() => void)[] = [];
  return {
    acquire: () => {
      if (free > 0) {
        free--;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => queue.push(resolve));
    },
    release: () => {
      const next = queue.shift();
      if (next === undefined) free++;
      else next();
    },
  };
}

const errorOf = (error: PortalError) => ({
  kind: error.failure,
  message: error.message,
  httpStatus: error.httpStatus,
});
