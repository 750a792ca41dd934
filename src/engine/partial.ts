import type { GroupSnapshot, MemberInfo } from "../portal/port.js";
import { MoveStatus, Reason, type BeforeState, type MoveResult } from "../report/types.js";
import { resultsOf, withManager } from "./move.js";
import type { OperationContext, OperationOutcome } from "./operation.js";

const ids = (members: readonly MemberInfo[]): string[] => members.map((m) => m.id);
const names = (members: readonly MemberInfo[]): string => members.map((m) => m.displayName).join(", ");

/**
 * A partial move (`members:`): DocSpace's move always takes everyone, so it is two writes — add the
 * people to the destination, then remove them from the source — each checked from its answer, since
 * DocSpace silently skips anyone it will not add (§10.1). Both are covered by the one "started" record:
 * a crash between them leaves the move in doubt, and the next run completes it.
 */
export async function runPartialMove(ctx: OperationContext): Promise<OperationOutcome> {
  const started = ctx.now();
  const { from, to } = ctx.resolved;
  const { log, call, portal } = ctx;
  const people = ctx.resolved.members ?? [];
  const source = ctx.state.get(from.id) as GroupSnapshot;
  const destination = ctx.state.get(to.id) as GroupSnapshot;
  const before: BeforeState = ctx.resumed ?? {
    source: source.members.map((m) => m.id),
    destination: destination.members.map((m) => m.id),
    sourceManager: source.managerId,
  };
  const inDestination = new Set(before.destination);
  const moved = ids(people.filter((m) => !inDestination.has(m.id)));
  const alreadyInDestination = ids(people.filter((m) => inDestination.has(m.id)));
  const warnings: string[] = [];
  const { result, failed } = resultsOf(ctx, before, started);
  const unverified = (message: string, fields: Partial<MoveResult>): OperationOutcome => ({
    result: result({
      ...fields,
      httpStatus: 200,
      reason: Reason.Unverified,
      warnings,
      error: { kind: "unverified", message, httpStatus: 200 },
    }),
    after: null,
  });

  log.info(
    { event: "move.started", from: from.id, to: to.id, members: people.length },
    `moving ${people.length} of ${from.name} → ${to.name}`,
  );
  await ctx.beforeSend({
    op: "move",
    expected: ids(people),
    guests: [],
    before,
    ...(ctx.resolved.manager === undefined ? {} : { manager: ctx.resolved.manager.id }),
  });
  let added: GroupSnapshot;
  try {
    added = await portal.addMembers(to.id, ids(people), call);
  } catch (err) {
    return failed(err, Reason.HttpError);
  }
  ctx.state.set(to.id, added);
  const skipped = people.filter((m) => !added.members.some((x) => x.id === m.id));
  if (skipped.length > 0)
    return unverified(
      `DocSpace did not add ${skipped.length} of them to "${to.name}" (it skips people it will not add, silently): ${names(skipped)}; nobody was taken out of "${from.name}"`,
      { moved: moved.filter((id) => !skipped.some((m) => m.id === id)), alreadyInDestination },
    );
  // Then out of the source: finished even when a stop was asked for meanwhile.
  const finishing = { ...(call.onRetry === undefined ? {} : { onRetry: call.onRetry }), finishing: true };
  let removed: GroupSnapshot;
  try {
    removed = await portal.removeMembers(from.id, ids(people), finishing);
  } catch (err) {
    const outcome = failed(err, Reason.Unverified, { moved, alreadyInDestination });
    return {
      result: {
        ...outcome.result,
        warnings: [
          ...warnings,
          `the people were added to "${to.name}" but not yet taken out of "${from.name}"; the next run completes the move`,
        ],
      },
      after: null,
    };
  }
  ctx.state.set(from.id, removed);
  const stillThere = people.filter((m) => removed.members.some((x) => x.id === m.id));
  if (stillThere.length > 0)
    return unverified(`${stillThere.length} are still in "${from.name}": ${names(stillThere)}`, {
      moved,
      alreadyInDestination,
    });
  // Removing the source's manager clears the role (§10.2), as a whole-group move does.
  const managerRemoved =
    source.managerId !== null && people.some((m) => m.id === source.managerId) && removed.managerId === null
      ? source.managerId
      : null;
  if (managerRemoved !== null) {
    const who = people.find((m) => m.id === managerRemoved)?.displayName ?? managerRemoved;
    warnings.push(
      `${who} is no longer the manager of "${from.name}"; they are a plain member of "${to.name}"`,
    );
  }
  return withManager(
    ctx,
    {
      status: MoveStatus.Succeeded,
      reason: null,
      httpStatus: 200,
      error: null,
      moved,
      alreadyInDestination,
      managerRemoved,
      managerBefore: destination.managerId,
      verified: true,
      warnings,
    },
    { source: removed, destination: added },
    result,
    failed,
  );
}
