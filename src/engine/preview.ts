import type { Logger } from "pino";
import type { GroupSnapshot, MemberInfo, Portal } from "../portal/port.js";
import { MemoryPortal } from "../portal/memory.js";
import { MODEL_VERSION, MoveBehaviour } from "../portal/version.js";
import type { MoveSpec } from "../manifest/types.js";
import { peopleRead } from "../plan/group-store.js";
import { isPlannedGroup, ProblemReason } from "../plan/types.js";
import { notRun, shaped } from "../report/build.js";
import { mapResults } from "../report/spool.js";
import { eachBounded } from "../bounded.js";
import { MoveStatus, Reason, type MoveResult } from "../report/types.js";
import { execute, type ExecuteInput, type ExecuteResult } from "./execute.js";

/** What the preview keeps of a move's groups right after it: who is in them, by id (not the groups). */
export interface MembersAfter {
  readonly sourceId: string;
  readonly source: readonly string[];
  readonly destination: readonly string[];
  readonly sourceManager: string | null;
  readonly destinationManager: string | null;
}

export interface Preview extends ExecuteResult {
  /** By move index: the members of its groups right after each move that ran to the end. */
  readonly after: ReadonlyMap<number, MembersAfter>;
  /** Everyone the preview knows, for names. */
  readonly people: { get(id: string): MemberInfo | undefined };
  /** The portal model after the whole plan, as far as the groups involved go. */
  readonly portal: MemoryPortal;
}

/**
 * The dry run: the engine itself, run against the in-memory portal seeded from the preflight's reads,
 * each source's disabled members (read here, GET only) and the portal's move semantics. What it reports
 * is what it did there, so the plan is the run by construction. Results come back `planned`.
 */
export async function preview(
  input: Omit<ExecuteInput, "ignoreKey" | "verify">,
  deps: { readonly portal: Portal; readonly logger: Logger; readonly stop?: AbortSignal },
): Promise<Preview> {
  const { preflight } = input;
  // A group still to be created has no disabled members to read.
  const sources = [
    ...new Set(preflight.moves.flatMap((m) => (m === null || isPlannedGroup(m.from.id) ? [] : [m.from.id]))),
  ];
  const disabled = new Map<string, MemberInfo[]>();
  await eachBounded(sources, async (id) => {
    disabled.set(id, await deps.portal.disabledMembers(id));
  });
  const behaviour = preflight.behaviour ?? MoveBehaviour.Move;
  // (each group read from the preflight's store as the model takes it: not all of them at once)
  const memory = MemoryPortal.fromSnapshots(existing(preflight.groups), disabled, MODEL_VERSION[behaviour]);
  // Everyone the groups named, then the disabled members read here (the last read wins): looked up, not
  // copied into a map of everyone.
  const named = peopleRead({ self: null, groups: preflight.groups });
  const hidden = new Map<string, MemberInfo>();
  for (const list of disabled.values()) for (const m of list) hidden.set(m.id, m);
  const people: Preview["people"] = {
    get: (id) => hidden.get(id) ?? (named.get(id) as MemberInfo | undefined),
  };

  // Moves with a blocking problem are shown as such; the others are still previewed.
  const problems = new Map(preflight.problems.map((p) => [p.moveId, p]));
  const after = new Map<number, MembersAfter>();
  const result = await execute(
    {
      ...input,
      preflight: { ...preflight, problems: [] },
      selected: (id) => input.selected(id) && !problems.has(id),
      verify: true,
      ignoreKey: true,
      onAfter: (index, groups) => {
        after.set(index, {
          sourceId: groups.source.id,
          source: groups.source.members.map((m) => m.id),
          destination: groups.destination.members.map((m) => m.id),
          sourceManager: groups.source.managerId,
          destinationManager: groups.destination.managerId,
        });
      },
    },
    {
      portal: memory,
      // What the engine logs here did not happen: the preview reports it instead.
      logger: deps.logger.child({ preview: true }, { level: "silent" }),
      now: () => 0,
      ...(deps.stop === undefined ? {} : { stop: deps.stop }),
    },
  );
  const moves = mapResults(result.moves, (m, i): MoveResult => {
    const problem = problems.get(m.id);
    if (problem !== undefined) {
      const reason = problem.reason === ProblemReason.GroupNotFound ? Reason.GroupNotFound : Reason.Preflight;
      const spec = input.moves[i] as MoveSpec;
      return notRun(spec, preflight.moves[i] ?? null, MoveStatus.NotAttempted, reason, problem.message);
    }
    return m.status === MoveStatus.Succeeded
      ? { ...m, status: MoveStatus.Planned, attempts: 0, durationMs: 0, httpStatus: null, verified: false }
      : m;
  });
  return { ...result, moves, after, people, portal: memory };
}

/**
 * The preview's own words for each planned move: what DocSpace will do that surprises people, and the
 * groups before and after (the `preview` block of the report), from what the engine did on the model.
 */
export function describePreview(preview: Preview): readonly MoveResult[] {
  const name = (id: string | null): string =>
    id === null ? "" : (preview.people.get(id)?.displayName ?? id);
  const names = (ids: readonly string[]): string => ids.map(name).join(", ");
  return mapResults(preview.moves, (m, index): MoveResult => {
    const after = preview.after.get(index);
    if (m.status !== MoveStatus.Planned || after === undefined || m.before === null) return m;
    const from = m.from.name ?? m.from.id ?? "";
    const sourceAfter = after.source;
    const disabledLeftBehind = preview.portal.model
      .people({ groupId: after.sourceId, employeeStatus: 2 })
      .map((u) => u.id);
    const warnings: string[] = [];
    if (m.created === true)
      warnings.push(`"${m.to.name ?? ""}" will be created (no group has that name yet)`);
    if (m.managerSet !== undefined && m.managerSet !== null)
      warnings.push(`${name(m.managerSet)} becomes the manager of "${m.to.name ?? ""}"`);
    if (m.droppedGuests.length > 0)
      warnings.push(`guests removed from "${from}" and added to no group: ${names(m.droppedGuests)}`);
    if (m.guestsLeftInSource.length > 0)
      warnings.push(`guests who stay in "${from}": ${names(m.guestsLeftInSource)}`);
    if (m.managerRemoved !== null)
      warnings.push(`${name(m.managerRemoved)} loses the manager role of "${from}"`);
    if (disabledLeftBehind.length > 0)
      warnings.push(`disabled users left in "${from}": ${names(disabledLeftBehind)}`);
    const empties = sourceAfter.length === 0 && disabledLeftBehind.length === 0;
    if (empties) warnings.push(`"${from}" is left empty (the group itself is kept)`);
    if (m.completion !== null) {
      warnings.push(
        `this portal only copies: the run will remove ${m.moved.length + m.alreadyInDestination.length} member(s) from "${from}" itself`,
      );
    }
    return shaped({
      ...m,
      warnings,
      preview: {
        sourceBefore: m.before.source.length,
        sourceAfter: sourceAfter.length,
        destinationBefore: m.before.destination.length,
        destinationAfter: after.destination.length,
        sourceMembersAfter: sourceAfter,
        destinationMembersAfter: after.destination,
        sourceManagerAfter: after.sourceManager,
        destinationManagerAfter: after.destinationManager,
        disabledLeftBehind,
        emptiesSource: empties,
      },
    });
  });
}

/** The groups that exist (not those still to be created), one at a time. */
function* existing(groups: ReadonlyMap<string, GroupSnapshot>): Generator<GroupSnapshot> {
  for (const group of groups.values()) if (!isPlannedGroup(group.id)) yield group;
}
