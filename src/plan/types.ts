import type { MoveSpec } from "../manifest/types.js";
import type { MoveBehaviour } from "../portal/version.js";

export type { GroupSnapshot, MemberInfo } from "../portal/port.js";
import type { GroupSnapshot, MemberInfo, SelfInfo } from "../portal/port.js";

/**
 * The id a destination to be created goes by until it exists (`create: true` with no group of that
 * name): `new:<name>`. Never sent to a portal; the engine creates the group and uses its real id.
 */
export const plannedGroupId = (name: string): string => `new:${name}`;
export const isPlannedGroup = (id: string): boolean => id.startsWith("new:");

/** The empty group a planned one is until it is created. */
export const plannedGroup = (name: string): GroupSnapshot => ({
  id: plannedGroupId(name),
  name,
  managerId: null,
  members: [],
  isSystem: false,
});

export interface GroupName {
  readonly id: string;
  readonly name: string;
}

/** A move whose groups were both found. */
export interface ResolvedMove {
  readonly spec: MoveSpec;
  readonly from: GroupName;
  readonly to: GroupName;
  /** `manager:` the person to make the destination's manager after the move, as the portal knows them. */
  readonly manager?: MemberInfo;
  /** `members:` a partial move: the people it takes, as the portal knows them. */
  readonly members?: readonly MemberInfo[];
}

export const ProblemReason = { GroupNotFound: "group-not-found", Preflight: "preflight" } as const;
export type ProblemReason = (typeof ProblemReason)[keyof typeof ProblemReason];

/** Something that blocks every write: listed all at once. */
export interface BlockingProblem {
  /** The move it concerns, or null for the run as a whole. */
  readonly moveId: string | null;
  readonly reason: ProblemReason;
  readonly message: string;
  /** Where in the manifest it is (`["moves", 2, "to"]`), when it concerns one place. */
  readonly path?: readonly (string | number)[];
}

/** What the key may do, as far as the portal tells; null = cannot tell. */
export interface KeyCheck {
  readonly canWrite: boolean | null;
  /** Why it cannot write, when it cannot. */
  readonly refusals: readonly string[];
  readonly notes: readonly string[];
}

export interface Preflight {
  readonly portalVersion: string | null;
  /** Copy-only before v3.7.1; null when the portal did not say. */
  readonly behaviour: MoveBehaviour | null;
  readonly key: KeyCheck;
  /** The key's user, when the portal says. */
  readonly self: SelfInfo | null;
  /** Per manifest move: resolved, or null when a group could not be resolved or read. */
  readonly moves: readonly (ResolvedMove | null)[];
  readonly groups: ReadonlyMap<string, GroupSnapshot>;
  readonly problems: readonly BlockingProblem[];
}
