import type { Group, Seed, User } from "../../src/portal/types.js";
import type { PortalModel } from "../../src/portal/model.js";
import type { MoveResult, Report } from "../../src/report/types.js";
import { seededRandom } from "../../src/sandbox/faults.js";
import { g, u } from "./portal.js";

export interface Case {
  seed: Seed;
  version: string;
  manifest: string;
  moveCount: number;
}

/** A random organisation and a valid manifest over it, from one number. */
export function generate(n: number): Case {
  const random = seededRandom(1000 + n);
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const users: User[] = Array.from({ length: int(6, 24) }, (_, i) => {
    const roll = random();
    return {
      id: u(i + 1),
      displayName: `User ${i + 1}`,
      email: `u${i + 1}@example.com`,
      status: roll < 0.12 ? 2 : roll < 0.24 ? 4 : 1,
      isVisitor: random() < 0.15,
    };
  });
  const groups: Group[] = Array.from({ length: int(3, 8) }, (_, i) => {
    const members = users.filter(() => random() < 0.3).map((x) => x.id);
    const manager = members.length > 0 && random() < 0.7 ? pick(members) : null;
    return { id: g(i + 1), name: `Group ${i + 1}`, managerId: manager, memberIds: members };
  });
  // Ranks make the from → to graph acyclic; chains (either way round) and fan-in stay possible.
  const rank = new Map(groups.map((x) => [x.id, random()]));
  const sources = new Set<string>();
  const pairs = new Set<string>();
  const moves: string[] = [];
  let created = 0;
  for (let attempt = 0; attempt < 40 && moves.length < int(1, 6); attempt++) {
    const from = pick(groups);
    // Now and then a destination to create (it is never a source: ranks stay acyclic).
    const creates = random() < 0.15;
    const to = creates ? null : pick(groups);
    if (to !== null && (from.id === to.id || (rank.get(from.id) ?? 0) > (rank.get(to.id) ?? 0))) continue;
    if (sources.has(from.id) || (to !== null && pairs.has(`${from.id}>${to.id}`))) continue;
    sources.add(from.id);
    if (to !== null) pairs.add(`${from.id}>${to.id}`);
    const movers = from.memberIds.filter((id) => {
      const person = users.find((x) => x.id === id);
      return person !== undefined && !person.isVisitor && person.status !== 2;
    });
    // Partial moves take some of the source's movers; a manager is someone the move brings.
    const partial = movers.length > 0 && random() < 0.3 ? movers.filter(() => random() < 0.5) : [];
    const brought = partial.length > 0 ? partial : movers;
    const manager = brought.length > 0 && random() < 0.3 ? pick(brought) : null;
    const byName = random() < 0.3;
    const target =
      to === null ? `{ name: "New ${++created}", create: true }` : byName ? `{ name: "${to.name}" }` : to.id;
    const extra = [
      ...(partial.length > 0 ? [`members: [${partial.join(", ")}]`] : []),
      ...(manager === null ? [] : [`manager: ${manager}`]),
    ];
    moves.push(
      `  - { id: m${moves.length + 1}, from: ${from.id}, to: ${target}${extra.map((e) => `, ${e}`).join("")} }`,
    );
  }
  if (moves.length === 0) moves.push(`  - { id: m1, from: ${g(1)}, to: ${g(2)} }`);
  return {
    seed: { users, groups },
    version: random() < 0.5 ? "3.6.2" : "3.7.2",
    manifest: `version: 1\nmoves:\n${moves.join("\n")}\n`,
    moveCount: moves.length,
  };
}

export const set = (list: readonly string[] | undefined): string[] => [...new Set(list ?? [])].sort();

/**
 * Each group's predicted state, by name (a group the run creates has another id in the preview): the
 * prediction of the last move that touched it.
 */
export function predictedGroups(report: Report): Map<string, { members: string[]; manager: string | null }> {
  const state = new Map<string, { members: string[]; manager: string | null }>();
  for (const move of report.moves) {
    const p = move.preview;
    if (p === undefined || move.from.name === null || move.to.name === null) continue;
    state.set(move.from.name, { members: set(p.sourceMembersAfter), manager: p.sourceManagerAfter });
    state.set(move.to.name, { members: set(p.destinationMembersAfter), manager: p.destinationManagerAfter });
  }
  return state;
}

/**
 * Where a preview and the portal after the run disagree: each group the preview predicted (by name: a
 * group the run creates has another id in the preview), then each move's fields. Empty when they agree.
 */
export function mismatchesOf(
  label: string,
  predicted: Report,
  model: PortalModel,
  ran: readonly (MoveResult | undefined)[],
): string[] {
  const found: string[] = [];
  for (const [name, group] of predictedGroups(predicted)) {
    const actual = model.listGroups({ count: 1000 }).items.find((x) => x.name === name);
    const got = { members: set(actual?.memberIds), manager: actual?.managerId ?? null };
    if (JSON.stringify(got) !== JSON.stringify(group))
      found.push(`${label} group ${name}: predicted ${JSON.stringify(group)}, got ${JSON.stringify(got)}`);
  }
  predicted.moves.forEach((p, i) => {
    const r = ran[i];
    for (const field of ["moved", "alreadyInDestination", "droppedGuests", "guestsLeftInSource"] as const) {
      if (JSON.stringify(set(p[field])) !== JSON.stringify(set(r?.[field])))
        found.push(
          `${label} move ${p.id} ${field}: predicted ${JSON.stringify(set(p[field]))}, got ${JSON.stringify(set(r?.[field]))}`,
        );
    }
    for (const field of ["managerRemoved", "completion", "managerSet", "created"] as const) {
      if (p[field] !== r?.[field])
        found.push(
          `${label} move ${p.id} ${field}: predicted ${String(p[field])}, got ${String(r?.[field])}`,
        );
    }
  });
  return found;
}
