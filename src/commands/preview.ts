import type { Preview } from "../engine/preview.js";
import { MoveBehaviour } from "../portal/version.js";
import { MoveStatus, type MoveResult } from "../report/types.js";

/**
 * The preview's own words for each planned move: what DocSpace will do that surprises people, and the
 * groups before and after (the `preview` block of the report), from what the engine did on the model.
 */
export function describePreview(preview: Preview): MoveResult[] {
  const name = (id: string | null): string =>
    id === null ? "" : (preview.people.get(id)?.displayName ?? id);
  const names = (ids: readonly string[]): string => ids.map(name).join(", ");
  return preview.moves.map((m, index): MoveResult => {
    const after = preview.after.get(index);
    if (m.status !== MoveStatus.Planned || after === undefined || m.before === null) return m;
    const from = m.from.name ?? m.from.id ?? "";
    const sourceAfter = after.source.members.map((x) => x.id);
    const disabledLeftBehind = preview.portal.model
      .people({ groupId: after.source.id, employeeStatus: 2 })
      .map((u) => u.id);
    const warnings: string[] = [];
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
    return {
      ...m,
      warnings,
      preview: {
        sourceBefore: m.before.source.length,
        sourceAfter: sourceAfter.length,
        destinationBefore: m.before.destination.length,
        destinationAfter: after.destination.members.length,
        sourceMembersAfter: sourceAfter,
        destinationMembersAfter: after.destination.members.map((x) => x.id),
        sourceManagerAfter: after.source.managerId,
        destinationManagerAfter: after.destination.managerId,
        disabledLeftBehind,
        emptiesSource: empties,
      },
    };
  });
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
