import type { History } from "../state/history.js";
import { MoveStatus, type Report } from "../report/types.js";

/** What putting one move back takes. */
export interface UndoStep {
  readonly id: string;
  readonly note: string | null;
  readonly from: { readonly id: string; readonly name: string };
  readonly to: { readonly id: string; readonly name: string };
  /** Everyone the move took out of the source: back into it. */
  readonly restore: readonly string[];
  /** Those it brought into the destination (not those already there): out of it again. */
  readonly removeFromDestination: readonly string[];
  /** The source's manager who lost the role, to be made manager again. */
  readonly manager: string | null;
  /** Guests DocSpace removed and added nowhere: DocSpace does not put guests in groups, so no undo. */
  readonly lostGuests: readonly string[];
  /** The move created its destination: once the members are out again, the group is deleted if empty. */
  readonly deleteDestination: boolean;
  /** `manager:` the move made someone the destination's manager: who was before (null: nobody). */
  readonly destinationManager: { readonly set: string; readonly before: string | null } | null;
}

export type UndoPlan = { ok: true; steps: UndoStep[] } | { ok: false; message: string };

/**
 * The steps, last move first, so that chains unwind in the right order (B→C is put back before A→B).
 * Only moves that succeeded changed anything; the others have nothing to put back. Pure.
 */
export function planUndo(report: Report): UndoPlan {
  if (report.mode !== "run") {
    return {
      ok: false,
      message: `this is a ${report.mode} report; undo takes the report of a run that moved members`,
    };
  }
  const steps = report.moves
    .filter((m) => m.status === MoveStatus.Succeeded && m.from.id !== null && m.to.id !== null)
    .map((m): UndoStep => ({
      id: m.id,
      note: m.note,
      from: { id: m.from.id as string, name: m.from.name ?? (m.from.id as string) },
      to: { id: m.to.id as string, name: m.to.name ?? (m.to.id as string) },
      restore: [...m.moved, ...m.alreadyInDestination],
      removeFromDestination: m.moved,
      manager: m.managerRemoved,
      lostGuests: m.droppedGuests,
      deleteDestination: m.created === true,
      destinationManager:
        m.managerSet === undefined || m.managerSet === null
          ? null
          : { set: m.managerSet, before: m.managerBefore ?? null },
    }))
    .reverse();
  return { ok: true, steps };
}

/**
 * Every move the journal records as done on this portal (cron runs, deferred runs, runs killed before
 * their report), last first: from each move's recorded result, or, for a move judged done after a crash,
 * from its before-snapshot. Pure.
 */
export function planUndoFromJournal(history: History, origin: string): UndoStep[] {
  const steps: { at: string; n: number; step: UndoStep }[] = [];
  for (const [key, entry] of history.moves) {
    if (!history.done.has(key) || entry.started === null) continue;
    const started = entry.started;
    if (started.portal !== origin) continue;
    const result = entry.succeeded;
    const before = started.before;
    const inDestination = new Set(before?.destination ?? []);
    const moved = result?.moved ?? started.expected.filter((id) => !inDestination.has(id));
    const already = result?.alreadyInDestination ?? started.expected.filter((id) => inDestination.has(id));
    const manager =
      result?.managerRemoved !== undefined
        ? result.managerRemoved
        : before !== undefined &&
            before.sourceManager !== null &&
            [...started.expected, ...(started.guests ?? [])].includes(before.sourceManager)
          ? before.sourceManager
          : null;
    steps.push({
      at: result?.at ?? started.at,
      n: steps.length,
      step: {
        id: started.moveId,
        note: null,
        from: { id: started.from, name: result?.names?.from ?? started.from },
        to: { id: started.to, name: result?.names?.to ?? started.to },
        restore: [...moved, ...already],
        removeFromDestination: moved,
        manager,
        lostGuests: result?.droppedGuests ?? started.guests ?? [],
        deleteDestination: result?.created === true,
        destinationManager:
          result?.managerSet === undefined || result.managerSet === null
            ? null
            : { set: result.managerSet, before: result.managerBefore ?? null },
      },
    });
  }
  return steps.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.n - a.n)).map((s) => s.step);
}
