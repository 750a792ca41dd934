import { MemoryPortal } from "../portal/memory.js";
import {
  isMover,
  PortalError,
  PortalErrorKind,
  type GroupSnapshot,
  type MemberInfo,
} from "../portal/port.js";
import { MODEL_VERSION, MoveBehaviour } from "../portal/version.js";
import { notRun } from "../report/build.js";
import { MoveStatus, Reason, type BeforeState, type MoveResult } from "../report/types.js";
import type { After, OperationContext, OperationOutcome } from "./operation.js";

const ids = (members: readonly MemberInfo[]): string[] => members.map((m) => m.id);
const names = (members: readonly MemberInfo[]): string => members.map((m) => m.displayName).join(", ");

/** What a whole-group move leaves in the source, by the model's semantics (for `--no-verify`). */
async function sourceAfterMove(source: GroupSnapshot, destination: GroupSnapshot): Promise<GroupSnapshot> {
  const model = MemoryPortal.fromSnapshots(
    [source, destination],
    new Map(),
    MODEL_VERSION[MoveBehaviour.Move],
  );
  await model.move(source.id, destination.id);
  return model.group(source.id);
}

/**
 * One whole-group move: DocSpace's move, checked from its answer (the destination); then, unless told
 * not to, the source read back and, on a portal that only copies, completed by removing the members.
 */
export async function runMove(ctx: OperationContext): Promise<OperationOutcome> {
  const started = ctx.now();
  const { from, to } = ctx.resolved;
  const { log, call, portal } = ctx;
  const source = ctx.state.get(from.id) as GroupSnapshot;
  const destination = ctx.state.get(to.id) as GroupSnapshot;
  // A move resumed after a crash is judged against the groups as its first attempt found them: members
  // that attempt already copied into the destination were moved by it, not found there.
  const before: BeforeState = ctx.resumed ?? {
    source: ids(source.members),
    destination: ids(destination.members),
    sourceManager: source.managerId,
  };
  const movers = source.members.filter(isMover);
  const guests = source.members.filter((m) => m.isVisitor);
  const inDestination = new Set(before.destination);
  const { result, failed } = resultsOf(ctx, before, started);
  log.info(
    { event: "move.started", from: from.id, to: to.id, members: movers.length },
    `moving ${from.name} → ${to.name}`,
  );
  await ctx.beforeSend({
    op: "move",
    expected: ids(movers),
    guests: ids(guests),
    before,
    ...(ctx.resolved.manager === undefined ? {} : { manager: ctx.resolved.manager.id }),
  });
  const warnings: string[] = [];
  let after: GroupSnapshot;
  try {
    after = await portal.move(from.id, to.id, call);
  } catch (err) {
    if (!(err instanceof PortalError) || err.kind !== PortalErrorKind.BadAnswer)
      return failed(err, Reason.HttpError);
    // The move was answered, but not usably: whether it took effect is read from the portal itself.
    try {
      after = await portal.group(to.id, { finishing: true });
    } catch {
      return failed(err, Reason.BadAnswer);
    }
    warnings.push(
      `the portal's answer to the move could not be used (${err.message}); the groups were read back to check it`,
    );
  }
  const httpStatus = 200;
  ctx.state.set(to.id, after);

  // The answer is the destination: it must hold everyone the move was to bring.
  const present = new Set(ids(after.members));
  const missing = movers.filter((m) => !present.has(m.id));
  const moved = ids(movers.filter((m) => !inDestination.has(m.id)));
  const alreadyInDestination = ids(movers.filter((m) => inDestination.has(m.id)));
  if (missing.length > 0) {
    return {
      result: result({
        httpStatus,
        reason: Reason.Unverified,
        moved: moved.filter((id) => present.has(id)),
        alreadyInDestination,
        warnings,
        error: {
          kind: "unverified",
          message: `the destination lacks ${missing.length} member(s) the move should have added: ${names(missing)}`,
          httpStatus,
        },
      }),
      after: null,
    };
  }

  let sourceAfter: GroupSnapshot;
  let completion: MoveResult["completion"] = null;
  if (ctx.verify) {
    // Finish what was started: read back (and complete) even when a stop was asked for meanwhile.
    // The report's attempts count the move's own request; the read-back's retries are logged all the same.
    const finishing = { ...(call.onRetry === undefined ? {} : { onRetry: call.onRetry }), finishing: true };
    try {
      sourceAfter = await portal.group(from.id, finishing);
      const leftovers = movers.filter((m) => sourceAfter.members.some((s) => s.id === m.id));
      if (leftovers.length > 0) {
        // DocSpace before v3.7.1 only copies: take exactly those members out.
        log.info(
          { event: "move.completing", members: leftovers.length },
          "the portal copied; removing the members from the source",
        );
        sourceAfter = await portal.removeMembers(from.id, ids(leftovers), finishing);
        completion = "removed-from-source";
        warnings.push(
          `DocSpace ${ctx.version ?? "(version unknown)"} only copied the members (servers before v3.7.1 do); ${leftovers.length} member(s) were removed from "${from.name}" to complete the move`,
        );
        const still = leftovers.filter((m) => sourceAfter.members.some((s) => s.id === m.id));
        if (still.length > 0) {
          ctx.state.set(from.id, sourceAfter);
          return {
            result: result({
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
            }),
            after: null,
          };
        }
      }
    } catch (err) {
      const outcome = failed(err, Reason.Unverified, { httpStatus, moved, alreadyInDestination, completion });
      return {
        result: {
          ...outcome.result,
          httpStatus,
          warnings: [...warnings, "the move was sent, but the source could not be checked afterwards"],
        },
        after: null,
      };
    }
  } else {
    // v3.7.1 and later, unchecked: what the model says the move leaves.
    sourceAfter = await sourceAfterMove(source, destination);
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
  const done: Partial<MoveResult> = {
    status: MoveStatus.Succeeded,
    reason: null,
    httpStatus,
    error: null,
    moved,
    alreadyInDestination,
    droppedGuests: ids(droppedGuests),
    guestsLeftInSource: ids(guestsLeftInSource),
    managerRemoved,
    managerBefore: destination.managerId,
    completion,
    verified: ctx.verify,
    warnings,
  };
  return withManager(ctx, done, { source: sourceAfter, destination: after }, result, failed);
}

/**
 * A move's result as it ends (logged as it is made), and a failure turned into one: what a whole-group
 * and a partial move share.
 */
export function resultsOf(ctx: OperationContext, before: BeforeState, started: number) {
  const { log, call } = ctx;
  const spec = ctx.resolved.spec;
  const base = notRun(spec, ctx.resolved, MoveStatus.Failed, Reason.HttpError);
  const result = (fields: Partial<MoveResult>): MoveResult => {
    const done: MoveResult = {
      ...base,
      before,
      attempts: call.tally.attempts,
      durationMs: Math.max(0, Math.round(ctx.now() - started)),
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
  const failed = (err: unknown, reason: Reason, fields: Partial<MoveResult> = {}): OperationOutcome => ({
    result: result(ctx.failure(err, reason, { ...base, before, attempts: call.tally.attempts, ...fields })),
    after: null,
  });
  return { result, failed };
}

/**
 * `manager:` after the members moved: the destination's manager set and checked from the answer
 * (DocSpace answers 200 and changes nothing for a guest or a disabled user; they are refused before any
 * write, but a portal may still skip someone). Without `manager:`, the move's result as it is.
 */
export async function withManager(
  ctx: OperationContext,
  done: Partial<MoveResult>,
  after: After,
  result: (fields: Partial<MoveResult>) => MoveResult,
  failed: (err: unknown, reason: Reason, fields?: Partial<MoveResult>) => OperationOutcome,
): Promise<OperationOutcome> {
  const manager = ctx.resolved.manager;
  const { to } = ctx.resolved;
  if (manager === undefined) return { result: result(done), after };
  if (after.destination.managerId === manager.id)
    return { result: result({ ...done, managerSet: manager.id }), after };
  const warnings = [...(done.warnings ?? [])];
  const finishing = {
    ...(ctx.call.onRetry === undefined ? {} : { onRetry: ctx.call.onRetry }),
    finishing: true,
  };
  let managed: GroupSnapshot;
  try {
    managed = await ctx.portal.setManager(to.id, manager.id, finishing);
  } catch (err) {
    const outcome = failed(err, Reason.HttpError, { ...done, status: MoveStatus.Failed });
    return {
      result: {
        ...outcome.result,
        warnings: [
          ...warnings,
          `the members moved, but ${manager.displayName} could not be made the manager of "${to.name}"`,
        ],
      },
      after: null,
    };
  }
  ctx.state.set(to.id, managed);
  if (managed.managerId !== manager.id) {
    return {
      result: result({
        ...done,
        status: MoveStatus.Failed,
        reason: Reason.Unverified,
        error: {
          kind: "unverified",
          message: `${manager.displayName} was sent as the manager of "${to.name}", but the portal shows ${managed.managerId ?? "no manager"}`,
          httpStatus: 200,
        },
      }),
      after: null,
    };
  }
  warnings.push(`${manager.displayName} is now the manager of "${to.name}"`);
  return {
    result: result({ ...done, managerSet: manager.id, warnings }),
    after: { source: after.source, destination: managed },
  };
}
