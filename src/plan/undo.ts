import { MoveStatus, type MoveResult, type Report } from "../report/types.js";

/** What putting one move back takes, from its record in a run's report. */
export interface UndoStep {
  readonly move: MoveResult;
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
      move: m,
      from: { id: m.from.id as string, name: m.from.name ?? (m.from.id as string) },
      to: { id: m.to.id as string, name: m.to.name ?? (m.to.id as string) },
      restore: [...m.moved, ...m.alreadyInDestination],
      removeFromDestination: m.moved,
      manager: m.managerRemoved,
      lostGuests: m.droppedGuests,
    }))
    .reverse();
  return { ok: true, steps };
}
