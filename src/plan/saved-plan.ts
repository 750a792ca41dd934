import { createHash } from "node:crypto";
import type { GroupSnapshot, Preflight } from "./types.js";

/** A saved preview: what `run --plan` executes, refusing pairs whose groups changed since. */
export interface SavedPlan {
  readonly planVersion: 1;
  readonly tool: { readonly name: string; readonly version: string };
  readonly createdAt: string;
  readonly portal: string;
  readonly portalVersion: string | null;
  readonly manifest: { readonly path: string; readonly sha256: string };
  readonly moves: readonly {
    readonly id: string;
    readonly from: PinnedGroup;
    readonly to: PinnedGroup;
  }[];
}

export interface PinnedGroup {
  readonly id: string;
  readonly name: string;
  /** sha256 over the sorted member ids and the manager, as read when the plan was made. */
  readonly membersHash: string;
}

/** The hash a plan gives a group it could not read: no group's members hash to it. */
const GONE = createHash("sha256").update("gone").digest("hex");

/** A group's member list (and manager) as one hash: any change to who is in it changes the hash. */
export function membersHash(group: GroupSnapshot): string {
  const ids = group.members.map((m) => m.id).sort();
  return createHash("sha256")
    .update(JSON.stringify({ members: ids, manager: group.managerId }))
    .digest("hex");
}

export function buildPlan(input: {
  tool: SavedPlan["tool"];
  createdAt: string;
  portal: string;
  manifest: SavedPlan["manifest"];
  preflight: Preflight;
}): SavedPlan {
  // A group not read is one gone since a run recorded as done moved from or into it (the preflight
  // checks nothing of such a move, which the plan's run skips as done): pinned as gone, matching no group.
  const pin = (id: string, name: string): PinnedGroup => {
    const group = input.preflight.groups.get(id);
    return { id, name, membersHash: group === undefined ? GONE : membersHash(group) };
  };
  return {
    planVersion: 1,
    tool: input.tool,
    createdAt: input.createdAt,
    portal: input.portal,
    portalVersion: input.preflight.portalVersion,
    manifest: input.manifest,
    moves: input.preflight.moves.flatMap((m) =>
      m === null ? [] : [{ id: m.spec.id, from: pin(m.from.id, m.from.name), to: pin(m.to.id, m.to.name) }],
    ),
  };
}

export type PlanCheck = { ok: true; plan: SavedPlan } | { ok: false; message: string };

/** Whether a plan may be used with this manifest on this portal; a plan for anything else is refused. */
export function checkPlan(
  value: unknown,
  expected: { portal: string; manifestSha256: string; moveIds: readonly string[] },
): PlanCheck {
  const plan = value as Partial<SavedPlan> | null;
  if (plan === null || typeof plan !== "object" || plan.planVersion !== 1 || !Array.isArray(plan.moves)) {
    return {
      ok: false,
      message: "not a docspace-migrate plan (planVersion 1); make one with run --dry-run --plan-out",
    };
  }
  if (plan.portal !== expected.portal) {
    return {
      ok: false,
      message: `the plan is for ${String(plan.portal)}, not ${expected.portal}; make a new plan for this portal`,
    };
  }
  if (plan.manifest?.sha256 !== expected.manifestSha256) {
    return {
      ok: false,
      message: "the manifest changed since the plan was made; preview it again with --plan-out",
    };
  }
  const known = new Set(expected.moveIds);
  const moves = plan.moves as SavedPlan["moves"];
  const unknown = moves.filter((m) => !known.has(m.id)).map((m) => m.id);
  if (unknown.length > 0)
    return { ok: false, message: `the plan has moves the manifest does not: ${unknown.join(", ")}` };
  return { ok: true, plan: plan as SavedPlan };
}

/** Per move: which of its groups changed since the plan (empty = still as planned). */
export function staleGroups(
  plan: SavedPlan,
  groups: ReadonlyMap<string, GroupSnapshot>,
): Map<string, string[]> {
  const stale = new Map<string, string[]>();
  for (const move of plan.moves) {
    const changed = [move.from, move.to].filter((pinned) => {
      const now = groups.get(pinned.id);
      return now === undefined || membersHash(now) !== pinned.membersHash;
    });
    if (changed.length > 0)
      stale.set(
        move.id,
        changed.map((g) => g.name),
      );
  }
  return stale;
}
