import type { PathSegment } from "./load.js";
import { describeRef, refKey, Severity, type MoveSpec } from "./types.js";

/** A problem found by a semantic rule; positions are attached by the caller. */
export interface RuleProblem {
  readonly severity: Severity;
  readonly rule: string;
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export interface RuleInput {
  readonly moves: readonly MoveSpec[];
  /** Indexes of the moves whose id was written in the manifest (others got `move-<n>`). */
  readonly explicitIds: ReadonlySet<number>;
}

export type Rule = (input: RuleInput) => RuleProblem[];

const name = (move: MoveSpec): string => `"${move.id}"`;
const movePath = (move: MoveSpec, key?: string): PathSegment[] =>
  key === undefined ? ["moves", move.index] : ["moves", move.index, key];

export const uniqueIds: Rule = ({ moves, explicitIds }) => {
  const first = new Map<string, MoveSpec>();
  const problems: RuleProblem[] = [];
  for (const move of moves) {
    const earlier = first.get(move.id);
    if (earlier === undefined) {
      first.set(move.id, move);
      continue;
    }
    problems.push({
      severity: Severity.Error,
      rule: "duplicate-id",
      path: movePath(move, explicitIds.has(move.index) ? "id" : undefined),
      message: `id "${move.id}" is already used by moves[${earlier.index}]; give each move its own id`,
    });
  }
  return problems;
};

export const fromDiffersFromTo: Rule = ({ moves }) =>
  moves
    .filter((m) => refKey(m.from) === refKey(m.to))
    .map((m) => ({
      severity: Severity.Error,
      rule: "from-equals-to",
      path: movePath(m, "to"),
      message: `from and to are the same group (${describeRef(m.to)}); DocSpace would empty it. Remove the move or correct one side`,
    }));

export const noRepeatedPair: Rule = ({ moves }) => {
  const first = new Map<string, MoveSpec>();
  const problems: RuleProblem[] = [];
  for (const move of moves) {
    const key = `${refKey(move.from)}\u0000${refKey(move.to)}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, move);
    else
      problems.push({
        severity: Severity.Error,
        rule: "duplicate-pair",
        path: movePath(move),
        message: `move ${name(move)} repeats move ${name(earlier)} (moves[${earlier.index}]: same from and to); remove one of them`,
      });
  }
  return problems;
};

export const noSharedSource: Rule = ({ moves }) => {
  const first = new Map<string, MoveSpec>();
  const problems: RuleProblem[] = [];
  for (const move of moves) {
    const key = refKey(move.from);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, move);
      continue;
    }
    // The same pair twice is reported by noRepeatedPair; saying it twice would only add noise.
    if (refKey(earlier.to) === refKey(move.to)) continue;
    problems.push({
      severity: Severity.Error,
      rule: "shared-source",
      path: movePath(move, "from"),
      message: `group ${describeRef(move.from)} is already the source of move ${name(earlier)} (moves[${earlier.index}]), which empties it, so this move would move nothing; keep one move per source group`,
    });
  }
  return problems;
};

const componentsCache = new WeakMap<readonly MoveSpec[], string[][]>();

/** Groups that lie on a cycle, grouped by cycle; computed once per move list. */
function cyclicComponents(moves: readonly MoveSpec[]): string[][] {
  let components = componentsCache.get(moves);
  if (components === undefined) {
    components = stronglyConnected(moves);
    componentsCache.set(moves, components);
  }
  return components;
}

/** Strongly connected components over the from → to graph (iterative Tarjan: manifests can be large). */
function stronglyConnected(moves: readonly MoveSpec[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const m of moves) {
    const from = refKey(m.from);
    const to = refKey(m.to);
    if (from === to) continue;
    const list = edges.get(from);
    if (list === undefined) edges.set(from, [to]);
    else list.push(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const targets = edges.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++] as string;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(target) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
          onStack.delete(member);
          component.push(member);
          if (member === frame.node) break;
        }
        if (component.length > 1) components.push(component);
      }
    }
  }
  return components;
}

export const noCycles: Rule = ({ moves }) =>
  cyclicComponents(moves).map((component) => {
    const groups = new Set(component);
    const inCycle = moves.filter((m) => groups.has(refKey(m.from)) && groups.has(refKey(m.to)));
    const first = inCycle[0] as MoveSpec;
    const listed = inCycle
      .map((m) => `${name(m)} (${describeRef(m.from)} → ${describeRef(m.to)})`)
      .join(", ");
    return {
      severity: Severity.Error,
      rule: "cycle",
      path: movePath(first),
      message: `moves ${listed} form a cycle: members would travel in a circle and groups would be emptied; remove one of these moves`,
    };
  });

/**
 * A chain is a group that one move fills and another empties. It is allowed, but the outcome depends on
 * manifest order, so the preview says which way round it runs.
 */
export const chainsInOrder: Rule = ({ moves }) => {
  const cyclic = new Set(cyclicComponents(moves).flat());
  const bySource = new Map<string, MoveSpec>();
  for (const m of moves) if (!bySource.has(refKey(m.from))) bySource.set(refKey(m.from), m);
  const problems: RuleProblem[] = [];
  for (const into of moves) {
    const via = refKey(into.to);
    const onward = bySource.get(via);
    if (onward === undefined || cyclic.has(via) || refKey(into.from) === via) continue;
    const group = describeRef(into.to);
    const order =
      into.index < onward.index
        ? `${name(into)} runs first, so the members it brings into ${group} move on to ${describeRef(onward.to)} with ${name(onward)}`
        : `${name(onward)} runs first and empties ${group} into ${describeRef(onward.to)}, so the members ${name(into)} brings in afterwards stay in ${group}`;
    const later = into.index < onward.index ? onward : into;
    problems.push({
      severity: Severity.Warning,
      rule: "chain",
      path: movePath(later),
      message: `chain through ${group}: moves that share a group run in manifest order; ${order}`,
    });
  }
  return problems.sort((a, b) => (a.path[1] as number) - (b.path[1] as number));
};

/** Every semantic rule, in the order their findings are listed. */
export const RULES: readonly Rule[] = [
  uniqueIds,
  fromDiffersFromTo,
  noRepeatedPair,
  noSharedSource,
  noCycles,
  chainsInOrder,
];
