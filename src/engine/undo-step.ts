import type { UndoStep } from "../plan/inverse.js";
import type { GroupSnapshot } from "../portal/port.js";
import { notRun } from "../report/build.js";
import { MoveStatus, Reason, type MoveResult } from "../report/types.js";
import type { OperationContext, OperationOutcome } from "./operation.js";

const names = (ids: readonly string[], members: readonly { id: string; displayName: string }[]): string =>
  ids.map((id) => members.find((m) => m.id === id)?.displayName ?? id).join(", ");

/**
 * Puts one move back: its members re-added to the source, those it brought taken out of the destination,
 * the source's manager restored; each write checked from its answer.
 */
export async function runUndoStep(ctx: OperationContext, step: UndoStep): Promise<OperationOutcome> {
  const started = ctx.now();
  const { log, call, portal } = ctx;
  const { from, to, spec } = ctx.resolved;
  let source = ctx.state.get(from.id) as GroupSnapshot;
  let destination = ctx.state.get(to.id) as GroupSnapshot;
  const before = {
    source: source.members.map((m) => m.id),
    destination: destination.members.map((m) => m.id),
    sourceManager: source.managerId,
  };
  const base: MoveResult = { ...notRun(spec, ctx.resolved, MoveStatus.Failed, Reason.HttpError), before };
  const warnings =
    step.lostGuests.length > 0
      ? [
          `${step.lostGuests.length} guest(s) cannot be put back into "${from.name}" (DocSpace does not put guests in groups)`,
        ]
      : [];
  const elapsed = (): number => Math.max(0, Math.round(ctx.now() - started));

  log.info({ event: "move.started", from: to.id, to: from.id }, `putting back ${to.name} → ${from.name}`);
  await ctx.beforeSend({ op: "undo", expected: step.restore, guests: step.lostGuests, before });
  try {
    if (step.restore.length > 0) source = await portal.addMembers(from.id, step.restore, call);
    if (step.removeFromDestination.length > 0)
      destination = await portal.removeMembers(to.id, step.removeFromDestination, call);
    if (step.manager !== null) source = await portal.setManager(from.id, step.manager, call);
    // The destination's manager before the move, again (its members are out already, so a manager the
    // move brought is gone with them; DocSpace cannot clear a manager otherwise).
    const managed = step.destinationManager;
    if (managed !== null && managed.before !== null && destination.managerId !== managed.before)
      destination = await portal.setManager(to.id, managed.before, call);
  } catch (err) {
    const result = ctx.failure(err, Reason.HttpError, {
      ...base,
      attempts: call.tally.attempts,
      durationMs: elapsed(),
      warnings,
    });
    log.warn(
      { event: "move.failed", reason: result.reason, httpStatus: result.httpStatus },
      result.error?.message,
    );
    return { result, after: null };
  }
  ctx.state.set(from.id, source);
  ctx.state.set(to.id, destination);
  const inSource = new Set(source.members.map((m) => m.id));
  const missing = step.restore.filter((id) => !inSource.has(id));
  const stillThere = step.removeFromDestination.filter((id) => destination.members.some((m) => m.id === id));
  const managerOk = step.manager === null || source.managerId === step.manager;
  const done = { ...base, attempts: call.tally.attempts, durationMs: elapsed(), warnings };
  if (missing.length > 0 || stillThere.length > 0 || !managerOk) {
    const message = [
      missing.length > 0
        ? `${missing.length} member(s) could not be put back into "${from.name}" (disabled or removed since?): ${missing.join(", ")}`
        : "",
      stillThere.length > 0
        ? `${stillThere.length} member(s) are still in "${to.name}": ${names(stillThere, destination.members)}`
        : "",
      managerOk ? "" : `the manager of "${from.name}" is not restored`,
    ]
      .filter((s) => s !== "")
      .join("; ");
    log.warn({ event: "move.failed", reason: "unverified" }, message);
    return {
      result: {
        ...done,
        reason: Reason.Unverified,
        moved: step.restore.filter((id) => inSource.has(id)),
        error: { kind: "unverified", message, httpStatus: null },
      },
      after: null,
    };
  }
  const managed = step.destinationManager;
  if (managed !== null && managed.before === null && destination.managerId === managed.set)
    done.warnings.push(
      `"${to.name}" had no manager before the move; DocSpace cannot clear one without removing the person, so it stays`,
    );
  // A group the run created goes again once it holds nobody (with it, any room shares made to it since).
  if (step.deleteDestination) {
    if (destination.members.length > 0) {
      done.warnings.push(
        `"${to.name}", which the run created, still has ${destination.members.length} member(s) and is kept`,
      );
    } else {
      try {
        await portal.deleteGroup(to.id, call);
        done.warnings.push(`deleted "${to.name}", which the run had created`);
      } catch (err) {
        const result = ctx.failure(err, Reason.HttpError, { ...done, moved: step.restore });
        log.warn({ event: "move.failed", reason: result.reason }, result.error?.message);
        return { result, after: null };
      }
    }
  }
  log.info({ event: "move.succeeded" }, "put back");
  return {
    result: {
      ...done,
      status: MoveStatus.Succeeded,
      reason: null,
      httpStatus: 200,
      moved: step.restore,
      droppedGuests: step.lostGuests,
      verified: true,
    },
    after: { source, destination },
  };
}
