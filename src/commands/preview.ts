import type { EmployeeDto } from "../api/dto.js";
import { notRun } from "../engine/execute.js";
import { send, type SendContext } from "../engine/send.js";
import type { MoveSpec } from "../manifest/types.js";
import { memberOf } from "../plan/preflight.js";
import { predict, type Prediction } from "../plan/predict.js";
import type { MemberInfo, Preflight, ResolvedMove } from "../plan/types.js";
import { MoveBehaviour } from "../portal/version.js";
import { MoveStatus, Reason, type MoveResult } from "../report/types.js";

const PAGE = 100;

/** Each source's disabled members (`GET /people/filter?groupId=…&employeeStatus=2`, paged): preview only. */
async function readDisabled(
  ctx: SendContext,
  groupIds: readonly string[],
): Promise<Map<string, MemberInfo[]>> {
  const disabled = new Map<string, MemberInfo[]>();
  await Promise.all(
    groupIds.map(async (groupId) => {
      const found: EmployeeDto[] = [];
      for (;;) {
        const page = await send<EmployeeDto[]>(ctx, {
          method: "GET",
          path: "/api/2.0/people/filter",
          query: { groupId, employeeStatus: 2, startIndex: found.length, count: PAGE },
        });
        found.push(...page.result.response);
        if (page.result.response.length === 0 || found.length >= (page.result.total ?? found.length)) break;
      }
      disabled.set(groupId, found.map(memberOf));
    }),
  );
  return disabled;
}

/**
 * The dry run: the plan applied to the portal model with this portal's move semantics. Sends
 * only GETs (the client is read-only besides). Returns `planned` results in the report's shape.
 */
export async function previewMoves(
  ctx: SendContext,
  moves: readonly MoveSpec[],
  preflight: Preflight,
  selected: (moveId: string) => boolean,
  alreadyDone: (move: ResolvedMove) => boolean,
): Promise<{ results: MoveResult[]; prediction: Prediction }> {
  // Moves the state store records as done are shown as such and left out of the prediction.
  const done = new Set(preflight.moves.flatMap((m) => (m !== null && alreadyDone(m) ? [m.spec.id] : [])));
  const sources = [...new Set(preflight.moves.flatMap((m) => (m === null ? [] : [m.from.id])))];
  const prediction = predict(
    preflight,
    await readDisabled(ctx, sources),
    (id) => selected(id) && !done.has(id),
  );
  const problems = new Map(preflight.problems.map((p) => [p.moveId, p]));
  const name = (id: string | null): string =>
    id === null ? "" : (prediction.people.get(id)?.displayName ?? id);
  const names = (ids: readonly string[]): string => ids.map(name).join(", ");

  const results = moves.map((move, index): MoveResult => {
    const resolved = preflight.moves[index] ?? null;
    const problem = problems.get(move.id);
    if (problem !== undefined || resolved === null) {
      const reason = problem?.reason === "preflight" ? Reason.Preflight : Reason.GroupNotFound;
      return notRun(move, resolved, MoveStatus.NotAttempted, reason, problem?.message);
    }
    if (!selected(move.id)) return notRun(move, resolved, MoveStatus.Skipped, Reason.Excluded);
    if (done.has(move.id)) {
      return {
        ...notRun(move, resolved, MoveStatus.Skipped, Reason.AlreadyDone),
        warnings: ["already done on this portal by an earlier run"],
      };
    }
    const p = prediction.moves[index];
    if (p === null || p === undefined) return notRun(move, resolved, MoveStatus.Skipped, Reason.Excluded);
    const { from } = resolved;
    const warnings: string[] = [];
    if (p.droppedGuests.length > 0) {
      warnings.push(`guests removed from "${from.name}" and added to no group: ${names(p.droppedGuests)}`);
    }
    if (p.guestsLeftInSource.length > 0)
      warnings.push(`guests who stay in "${from.name}": ${names(p.guestsLeftInSource)}`);
    if (p.managerRemoved !== null)
      warnings.push(`${name(p.managerRemoved)} loses the manager role of "${from.name}"`);
    if (p.disabledLeftBehind.length > 0)
      warnings.push(`disabled users left in "${from.name}": ${names(p.disabledLeftBehind)}`);
    const empties = p.sourceAfter.length === 0 && p.disabledLeftBehind.length === 0;
    if (empties) warnings.push(`"${from.name}" is left empty (the group itself is kept)`);
    if (p.completion !== null) {
      warnings.push(
        `this portal only copies: the run will remove ${p.moved.length + p.alreadyInDestination.length} member(s) from "${from.name}" itself`,
      );
    }
    return {
      ...notRun(move, resolved, MoveStatus.Planned, Reason.Preflight),
      reason: null,
      error: null,
      before: {
        source: p.sourceBefore,
        destination: p.destinationBefore,
        sourceManager: p.sourceManagerBefore,
      },
      moved: p.moved,
      alreadyInDestination: p.alreadyInDestination,
      droppedGuests: p.droppedGuests,
      guestsLeftInSource: p.guestsLeftInSource,
      managerRemoved: p.managerRemoved,
      completion: p.completion,
      warnings,
      preview: {
        sourceBefore: p.sourceBefore.length,
        sourceAfter: p.sourceAfter.length,
        destinationBefore: p.destinationBefore.length,
        destinationAfter: p.destinationAfter.length,
        sourceMembersAfter: p.sourceAfter,
        destinationMembersAfter: p.destinationAfter,
        sourceManagerAfter: p.sourceManagerAfter,
        destinationManagerAfter: p.destinationManagerAfter,
        disabledLeftBehind: p.disabledLeftBehind,
        emptiesSource: empties,
      },
    };
  });
  return { results, prediction };
}

/** The first thing the preview says: which move semantics this portal has. */
export function behaviourLine(version: string | null, behaviour: MoveBehaviour | null): string {
  const v = version === null ? "version unknown" : `DocSpace ${version}`;
  if (behaviour === MoveBehaviour.Copy) {
    return `${v}: before v3.7.1, the move only copies members; the run completes each move by removing them from the source (guests stay there)`;
  }
  if (behaviour === MoveBehaviour.Move) {
    return `${v}: the move takes members out of the source; guests are removed and added nowhere, the source's manager loses the role`;
  }
  return `${v}: the portal did not say its version; predicted as v3.7.1 or later, and every move will be read back`;
}
