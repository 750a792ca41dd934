import { PortalModel } from "../portal/model.js";
import { UserStatus, type User } from "../portal/types.js";
import { MoveBehaviour } from "../portal/version.js";
import type { GroupSnapshot, MemberInfo, Preflight, ResolvedMove } from "./types.js";

/** What a move will do, predicted with DocSpace's own semantics. */
export interface MovePrediction {
  readonly index: number;
  readonly move: ResolvedMove;
  readonly sourceBefore: readonly string[];
  readonly destinationBefore: readonly string[];
  readonly sourceAfter: readonly string[];
  readonly destinationAfter: readonly string[];
  readonly sourceManagerBefore: string | null;
  readonly sourceManagerAfter: string | null;
  readonly destinationManagerAfter: string | null;
  readonly moved: readonly string[];
  readonly alreadyInDestination: readonly string[];
  readonly droppedGuests: readonly string[];
  readonly guestsLeftInSource: readonly string[];
  readonly managerRemoved: string | null;
  readonly disabledLeftBehind: readonly string[];
  /** On a copy-only portal the run removes the moved members from the source itself. */
  readonly completion: "removed-from-source" | null;
}

export interface Prediction {
  readonly behaviour: MoveBehaviour;
  readonly moves: readonly (MovePrediction | null)[];
  /** Everyone the preview knows, for names. */
  readonly people: ReadonlyMap<string, MemberInfo>;
  /** The portal after the whole plan, as far as the groups involved go. */
  readonly model: PortalModel;
}

const MODEL_VERSION = { [MoveBehaviour.Move]: "3.7.2", [MoveBehaviour.Copy]: "3.6.0" } as const;

/**
 * Applies the plan to the portal model, in manifest order (moves sharing a group run in that order and
 * the others commute), including the completion a run performs on a portal that only copies. Pure.
 * `disabled`: each group's disabled members, which DocSpace's group read does not show.
 */
export function predict(
  preflight: Preflight,
  disabled: ReadonlyMap<string, readonly MemberInfo[]>,
  selected: (moveId: string) => boolean,
): Prediction {
  const behaviour = preflight.behaviour ?? MoveBehaviour.Move;
  const people = new Map<string, MemberInfo>();
  const seedGroups = [...preflight.groups.values()].map((group: GroupSnapshot) => {
    const hidden = disabled.get(group.id) ?? [];
    for (const m of [...group.members, ...hidden]) people.set(m.id, m);
    return {
      id: group.id,
      name: group.name,
      managerId: group.managerId,
      memberIds: [...group.members, ...hidden].map((m) => m.id),
    };
  });
  const users: User[] = [...people.values()].map((m) => ({
    id: m.id,
    displayName: m.displayName,
    email: "",
    status:
      m.status === UserStatus.Disabled || m.status === UserStatus.Pending ? m.status : UserStatus.Active,
    isVisitor: m.isVisitor,
  }));
  const model = new PortalModel({ users, groups: seedGroups }, { version: MODEL_VERSION[behaviour] });
  const visible = (id: string): string[] => [...(model.group(id)?.memberIds ?? [])];

  const moves = preflight.moves.map((move, index): MovePrediction | null => {
    if (move === null || !selected(move.spec.id)) return null;
    const { from, to } = move;
    const sourceBefore = visible(from.id);
    const destinationBefore = visible(to.id);
    const managerBefore = model.group(from.id)?.managerId ?? null;
    const inMove = sourceBefore.map((id) => people.get(id)).filter((m): m is MemberInfo => m !== undefined);
    const movers = inMove.filter((m) => !m.isVisitor).map((m) => m.id);
    const guests = inMove.filter((m) => m.isVisitor).map((m) => m.id);
    const disabledLeftBehind = model
      .allMemberIds(from.id)
      .filter((id) => people.get(id)?.status === UserStatus.Disabled);

    model.move(from.id, to.id);
    if (behaviour === MoveBehaviour.Copy) model.removeMembers(from.id, movers);

    const sourceAfter = visible(from.id);
    const managerAfter = model.group(from.id)?.managerId ?? null;
    const inDestination = new Set(destinationBefore);
    const remaining = new Set(sourceAfter);
    return {
      index,
      move,
      sourceBefore,
      destinationBefore,
      sourceAfter,
      destinationAfter: visible(to.id),
      sourceManagerBefore: managerBefore,
      sourceManagerAfter: managerAfter,
      destinationManagerAfter: model.group(to.id)?.managerId ?? null,
      moved: movers.filter((id) => !inDestination.has(id)),
      alreadyInDestination: movers.filter((id) => inDestination.has(id)),
      droppedGuests: guests.filter((id) => !remaining.has(id)),
      guestsLeftInSource: guests.filter((id) => remaining.has(id)),
      managerRemoved: managerBefore !== null && managerAfter === null ? managerBefore : null,
      disabledLeftBehind,
      completion: behaviour === MoveBehaviour.Copy && movers.length > 0 ? "removed-from-source" : null,
    };
  });
  return { behaviour, moves, people, model };
}
