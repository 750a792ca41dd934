import pLimit from "p-limit";
import type { Logger } from "pino";
import type { GroupDto } from "../api/dto.js";
import { ApiError } from "../api/http-error.js";
import type { MoveSpec } from "../manifest/types.js";
import { dependencies } from "../plan/order.js";
import { PreflightAbort, snapshotOf } from "../plan/preflight.js";
import {
  ProblemReason,
  type GroupSnapshot,
  type MemberInfo,
  type Preflight,
  type ResolvedMove,
} from "../plan/types.js";
import { MoveBehaviour } from "../portal/version.js";
import { MoveStatus, Reason, type BeforeState, type MoveResult } from "../report/types.js";
import { classify, isUnreachable, Verdict } from "./retry-policy.js";
import { InterruptedError, send, SendError, type SendContext } from "./send.js";

export const StopKind = { Aborted: "aborted", Deferred: "deferred", Interrupted: "interrupted" } as const;
export type StopKind = (typeof StopKind)[keyof typeof StopKind];

/**
 * How a command stops when its reads fail before anything was written: the key was refused or the portal
 * is gone (aborted), or a signal came (interrupted). Null for anything else, which is a bug to surface.
 */
export function stopBeforeWrites(
  err: unknown,
  interrupted: string,
): { kind: StopKind; message: string; reason: Reason } | null {
  const cause = err instanceof SendError ? err.cause : err;
  if (cause instanceof PreflightAbort)
    return { kind: StopKind.Aborted, message: cause.message, reason: Reason.Aborted };
  if (cause instanceof InterruptedError)
    return { kind: StopKind.Interrupted, message: interrupted, reason: Reason.Interrupted };
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
  /** The state store's word: this move is already done on this portal (skipped unless --force). */
  readonly alreadyDone?: (move: ResolvedMove) => boolean;
}

/** Where each move is recorded before its PUT is sent and after its result. */
export interface MoveJournal {
  started(move: ResolvedMove, expected: readonly string[]): Promise<void>;
  finished(move: ResolvedMove, result: MoveResult): Promise<void>;
}

export interface ExecuteDeps {
  readonly send: SendContext;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly journal?: MoveJournal;
}

export interface ExecuteResult {
  readonly moves: MoveResult[];
  /** Set when the run stopped early, with why. */
  readonly stopped: { readonly kind: StopKind; readonly message: string } | null;
}

const isMover = (m: MemberInfo): boolean => !m.isVisitor && (m.status === 1 || m.status === 4);
const ids = (members: readonly MemberInfo[]): string[] => members.map((m) => m.id);
const names = (members: readonly MemberInfo[]): string => members.map((m) => m.displayName).join(", ");

/** A result for a move that did not run. */
export function notRun(
  move: MoveSpec,
  resolved: ResolvedMove | null,
  status: MoveStatus,
  reason: Reason,
  message?: string,
): MoveResult {
  return {
    id: move.id,
    note: move.note,
    from: resolved?.from ?? {
      id: move.from.kind === "id" ? move.from.id : null,
      name: move.from.kind === "name" ? move.from.name : null,
    },
    to: resolved?.to ?? {
      id: move.to.kind === "id" ? move.to.id : null,
      name: move.to.kind === "name" ? move.to.name : null,
    },
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
    completion: null,
    verified: false,
    warnings: [],
  };
}

/**
 * Runs the moves. Moves that share a group run in manifest order; the rest run at once,
 * up to `concurrency`. Every move returns a result; nothing here throws for a failed move.
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
  if (preflight.key.canWrite === false) {
    const message = `the key cannot move members: ${preflight.key.refusals.join("; ")}`;
    return {
      moves: moves.map((m, i) =>
        notRun(m, preflight.moves[i] ?? null, MoveStatus.NotAttempted, Reason.Aborted),
      ),
      stopped: { kind: StopKind.Aborted, message },
    };
  }

  const state = new Map<string, GroupSnapshot>(preflight.groups);
  const verify = input.verify || preflight.behaviour !== MoveBehaviour.Move;
  const graph = dependencies(
    moves.map((m, i) => {
      const r = preflight.moves[i];
      return { groups: r === null || r === undefined ? [] : [r.from.id, r.to.id] };
    }),
  );
  const limit = pLimit(input.concurrency);
  let finished = 0;
  const results: Promise<MoveResult>[] = [];
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
  deps.send.stop.addEventListener(
    "abort",
    () => {
      stopWith(StopKind.Interrupted, "interrupted by a signal");
    },
    {
      once: true,
    },
  );

  moves.forEach((move, index) => {
    results[index] = (async (): Promise<MoveResult> => {
      const resolved = preflight.moves[index] as ResolvedMove;
      const earlier = await Promise.all((graph[index] ?? []).map((d) => results[d] as Promise<MoveResult>));
      const finish = (result: MoveResult): MoveResult => {
        deps.onProgress?.(++finished, total);
        return result;
      };
      if (!input.selected(move.id))
        return finish(notRun(move, resolved, MoveStatus.Skipped, Reason.Excluded));
      if (input.alreadyDone?.(resolved) === true) {
        return finish({
          ...notRun(move, resolved, MoveStatus.Skipped, Reason.AlreadyDone),
          warnings: [
            "already done on this portal by an earlier run (see the state directory); --force runs it again",
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
      const blocker = earlier.find((r) => !wentAsPlanned(r));
      if (blocker !== undefined) {
        return finish({
          ...notRun(move, resolved, MoveStatus.Skipped, Reason.DependencyFailed),
          warnings: [`skipped: move "${blocker.id}" shares a group with this one and did not complete`],
        });
      }
      return finish(
        await limit(() =>
          stopped !== null
            ? notRun(move, resolved, MoveStatus.NotAttempted, stopReason())
            : journaled(move, resolved, { state, verify, version: preflight.portalVersion }, deps, stopWith),
        ),
      );
    })();
  });
  const settled = await Promise.all(results);
  return { moves: settled, stopped };
}

const wentAsPlanned = (r: MoveResult): boolean =>
  r.status === MoveStatus.Succeeded ||
  (r.status === MoveStatus.Skipped && (r.reason === Reason.Excluded || r.reason === Reason.AlreadyDone));

/** runMove with its journal records: "started" fsynced before the PUT, "finished" after the result. */
async function journaled(
  move: MoveSpec,
  resolved: ResolvedMove,
  ctx: MoveContext,
  deps: ExecuteDeps,
  stopWith: (kind: StopKind, message: string) => void,
): Promise<MoveResult> {
  const journal = deps.journal;
  if (journal === undefined) return runMove(move, resolved, ctx, deps, stopWith);
  const sent = { started: false }; // set inside the callback, read after it
  const result = await runMove(
    move,
    resolved,
    {
      ...ctx,
      beforeSend: async (expected) => {
        await journal.started(resolved, expected);
        sent.started = true;
      },
    },
    deps,
    stopWith,
  );
  if (sent.started) await journal.finished(resolved, result);
  return result;
}

interface MoveContext {
  readonly state: Map<string, GroupSnapshot>;
  readonly verify: boolean;
  readonly version: string | null;
  /** Called once, right before the PUT, with the members it is to move. */
  readonly beforeSend?: (expected: readonly string[]) => Promise<void>;
}

async function runMove(
  move: MoveSpec,
  resolved: ResolvedMove,
  ctx: MoveContext,
  deps: ExecuteDeps,
  stopWith: (kind: StopKind, message: string) => void,
): Promise<MoveResult> {
  const started = deps.now();
  const log = deps.logger.child({ move: move.id });
  const { from, to } = resolved;
  const source = ctx.state.get(from.id) as GroupSnapshot;
  const destination = ctx.state.get(to.id) as GroupSnapshot;
  const before: BeforeState = {
    source: ids(source.members),
    destination: ids(destination.members),
    sourceManager: source.managerId,
  };
  const movers = source.members.filter(isMover);
  const guests = source.members.filter((m) => m.isVisitor);
  const inDestination = new Set(before.destination);
  const base = notRun(move, resolved, MoveStatus.Failed, Reason.HttpError);
  let attempts = 0;
  const sendCtx: SendContext = {
    ...deps.send,
    onRetry: (error, attempt, retriesLeft) => {
      log.warn(
        { event: "move.retry", attempt, retriesLeft, httpStatus: error.httpStatus, kind: error.kind },
        error.message,
      );
    },
  };
  const result = (fields: Partial<MoveResult>): MoveResult => {
    const done: MoveResult = {
      ...base,
      before,
      attempts,
      durationMs: Math.max(0, Math.round(deps.now() - started)),
      ...fields,
    };
    if (done.status === MoveStatus.Succeeded)
      log.info(
        { event: "move.succeeded", moved: done.moved.length, completion: done.completion },
        "move succeeded",
      );
    else
      log.warn(
        { event: "move.failed", reason: done.reason, httpStatus: done.httpStatus },
        done.error?.message ?? "move failed",
      );
    return done;
  };
  const failure = (err: unknown, reason: Reason): MoveResult => {
    const cause = err instanceof SendError ? err.cause : err;
    if (cause instanceof InterruptedError) {
      return result({
        status: attempts === 0 ? MoveStatus.NotAttempted : MoveStatus.Failed,
        reason: Reason.Interrupted,
        error: { kind: "interrupted", message: cause.message, httpStatus: null },
      });
    }
    // Anything but a DocSpace failure is a bug: let it surface (exit 70) rather than pass for a network error.
    if (!(cause instanceof ApiError)) throw cause;
    const error = cause;
    const verdict = classify(error, deps.send.policy);
    if (verdict === Verdict.Abort || isUnreachable(error))
      stopWith(StopKind.Aborted, `move "${move.id}": ${error.message}`);
    if (verdict === Verdict.Defer) {
      stopWith(
        StopKind.Deferred,
        `move "${move.id}": the portal asks to wait ${Math.round((error.retryAfterMs ?? 0) / 1000)} s, longer than --max-wait`,
      );
      return result({
        status: MoveStatus.NotAttempted,
        reason: Reason.Deferred,
        httpStatus: error.httpStatus,
        error: errorOf(error),
      });
    }
    return result({ reason, httpStatus: error.httpStatus, error: errorOf(error) });
  };

  log.info(
    { event: "move.started", from: from.id, to: to.id, members: movers.length },
    `moving ${from.name} → ${to.name}`,
  );
  await ctx.beforeSend?.(ids(movers));
  let after: GroupSnapshot;
  let httpStatus: number;
  try {
    const sent = await send<GroupDto>(sendCtx, {
      method: "PUT",
      path: `/api/2.0/group/${from.id}/members/${to.id}`,
    });
    attempts = sent.attempts;
    after = snapshotOf(sent.result.response);
    httpStatus = sent.result.httpStatus;
  } catch (err) {
    attempts = err instanceof SendError ? err.attempts : attempts;
    return failure(err, Reason.HttpError);
  }
  ctx.state.set(to.id, after);

  // The answer is the destination: it must hold everyone the move was to bring.
  const present = new Set(ids(after.members));
  const missing = movers.filter((m) => !present.has(m.id));
  const moved = ids(movers.filter((m) => !inDestination.has(m.id)));
  const alreadyInDestination = ids(movers.filter((m) => inDestination.has(m.id)));
  if (missing.length > 0) {
    return result({
      httpStatus,
      reason: Reason.Unverified,
      moved: moved.filter((id) => present.has(id)),
      alreadyInDestination,
      error: {
        kind: "unverified",
        message: `the destination lacks ${missing.length} member(s) the move should have added: ${names(missing)}`,
        httpStatus,
      },
    });
  }

  const warnings: string[] = [];
  let sourceAfter: GroupSnapshot;
  let completion: MoveResult["completion"] = null;
  if (ctx.verify) {
    // Finish what was started: read back (and complete) even when a stop was asked for meanwhile.
    const finishing: SendContext = {
      ...sendCtx,
      stop: new AbortController().signal,
      policy: deps.send.stop.aborted ? { ...deps.send.policy, retries: 0 } : deps.send.policy,
    };
    try {
      sourceAfter = snapshotOf(
        (await send<GroupDto>(finishing, { method: "GET", path: `/api/2.0/group/${from.id}` })).result
          .response,
      );
      const leftovers = movers.filter((m) => sourceAfter.members.some((s) => s.id === m.id));
      if (leftovers.length > 0) {
        // DocSpace before v3.7.1 only copies: take exactly those members out.
        log.info(
          { event: "move.completing", members: leftovers.length },
          "the portal copied; removing the members from the source",
        );
        const removed = await send<GroupDto>(finishing, {
          method: "DELETE",
          path: `/api/2.0/group/${from.id}/members`,
          body: { members: ids(leftovers) },
        });
        sourceAfter = snapshotOf(removed.result.response);
        completion = "removed-from-source";
        warnings.push(
          `DocSpace ${ctx.version ?? "(version unknown)"} only copied the members (servers before v3.7.1 do); ${leftovers.length} member(s) were removed from "${from.name}" to complete the move`,
        );
        const still = leftovers.filter((m) => sourceAfter.members.some((s) => s.id === m.id));
        if (still.length > 0) {
          ctx.state.set(from.id, sourceAfter);
          return result({
            httpStatus,
            reason: Reason.Unverified,
            moved,
            alreadyInDestination,
            completion,
            warnings,
            error: {
              kind: "unverified",
              message: `${still.length} member(s) are still in the source after removing them: ${names(still)}`,
              httpStatus,
            },
          });
        }
      }
    } catch (err) {
      const outcome = failure(err, Reason.Unverified);
      return {
        ...outcome,
        httpStatus,
        moved,
        alreadyInDestination,
        completion,
        warnings: [...warnings, "the move was sent, but the source could not be checked afterwards"],
      };
    }
  } else {
    // v3.7.1 and later, unchecked: the server's own semantics.
    const managerLeaves = source.managerId !== null && source.members.some((m) => m.id === source.managerId);
    sourceAfter = { ...source, members: [], managerId: managerLeaves ? null : source.managerId };
  }
  ctx.state.set(from.id, sourceAfter);

  const remaining = new Set(ids(sourceAfter.members));
  const guestsLeftInSource = guests.filter((g) => remaining.has(g.id));
  const droppedGuests = guests.filter((g) => !remaining.has(g.id));
  const managerRemoved =
    source.managerId !== null && sourceAfter.managerId === null ? source.managerId : null;
  if (droppedGuests.length > 0) {
    warnings.push(
      `${droppedGuests.length} guest(s) left "${from.name}" and were added to no group (DocSpace does not put guests in groups): ${names(droppedGuests)}`,
    );
  }
  if (guestsLeftInSource.length > 0) {
    warnings.push(
      `${guestsLeftInSource.length} guest(s) stay in "${from.name}": this portal's move copies, and guests cannot join "${to.name}": ${names(guestsLeftInSource)}`,
    );
  }
  if (managerRemoved !== null) {
    const who = source.members.find((m) => m.id === managerRemoved)?.displayName ?? managerRemoved;
    warnings.push(
      `${who} is no longer the manager of "${from.name}"; they are a plain member of "${to.name}"`,
    );
  }
  return result({
    status: MoveStatus.Succeeded,
    reason: null,
    httpStatus,
    error: null,
    moved,
    alreadyInDestination,
    droppedGuests: ids(droppedGuests),
    guestsLeftInSource: ids(guestsLeftInSource),
    managerRemoved,
    completion,
    verified: ctx.verify,
    warnings,
  });
}

const errorOf = (error: ApiError) => ({
  kind: error.kind,
  message: error.message,
  httpStatus: error.httpStatus,
});
