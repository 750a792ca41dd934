import { HashIndex } from "../hash.js";
import type { PathSegment } from "./load.js";
import { describeRef, Severity, type MoveSpec } from "./types.js";

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

/** Each move's groups as small integers (one number per distinct reference), computed once per list. */
export interface GroupNumbers {
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** 1 for a whole-group move, 0 for a partial one (`members:`): only whole moves empty a group. */
  readonly whole: Uint8Array;
  /** How many distinct groups the moves name. */
  readonly count: number;
}

const numbersCache = new WeakMap<readonly MoveSpec[], GroupNumbers>();

/** Interning the references once keeps every rule linear, with integer keys instead of strings. */
export function groupNumbers(moves: readonly MoveSpec[]): GroupNumbers {
  const cached = numbersCache.get(moves);
  if (cached !== undefined) return cached;
  const interned = new Interner(moves.length * 2);
  const from = new Int32Array(moves.length);
  const to = new Int32Array(moves.length);
  const whole = new Uint8Array(moves.length);
  moves.forEach((m, i) => {
    from[i] = interned.number(m.from);
    to[i] = interned.number(m.to);
    whole[i] = m.members === undefined && m.membersFrom === undefined ? 1 : 0;
  });
  const numbers = { from, to, whole, count: interned.count };
  numbersCache.set(moves, numbers);
  return numbers;
}

/**
 * Numbers each distinct reference (an id and a name are different even when spelled alike) in order of
 * first appearance: the texts in a list, found again through a HashIndex for each kind (no Map entry, no
 * copy of a text: 200,000 references in a manifest of 100,000 moves).
 */
class Interner {
  readonly #texts: string[] = [];
  readonly #ids: HashIndex;
  readonly #names: HashIndex;

  constructor(most: number) {
    const textAt = (at: number): string | undefined => this.#texts[at];
    this.#ids = new HashIndex(textAt, most);
    this.#names = new HashIndex(textAt, most);
  }

  get count(): number {
    return this.#texts.length;
  }

  number(ref: MoveSpec["from"]): number {
    const index = ref.kind === "id" ? this.#ids : this.#names;
    const text = ref.kind === "id" ? ref.id : ref.name;
    const known = index.get(text);
    if (known !== undefined) return known;
    this.#texts.push(text);
    index.set(text, this.#texts.length - 1);
    return this.#texts.length - 1;
  }
}

const movePath = (move: MoveSpec, key?: string): PathSegment[] =>
  key === undefined ? ["moves", move.index] : ["moves", move.index, key];

/** n when `id` reads `move-<n>` (n ≥ 1, no leading zero), else -1; no string is built. */
function defaultNumber(id: string): number {
  if (id.length < 6 || id.length > 15 || !id.startsWith("move-") || id.charCodeAt(5) === 48) return -1;
  let n = 0;
  for (let i = 5; i < id.length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * Each id once. Most moves carry their default id `move-<position + 1>`, unique among themselves, so only
 * the other ids go through a map; one of those that reads `move-<n>` may take move n - 1's default id.
 */
export const uniqueIds: Rule = ({ moves, explicitIds }) => {
  const isDefault = new Uint8Array(moves.length);
  const first = new Map<string, number>(); // other ids → position of their first move
  for (let i = 0; i < moves.length; i++) {
    const id = (moves[i] as MoveSpec).id;
    if (defaultNumber(id) === i + 1) isDefault[i] = 1;
    else if (!first.has(id)) first.set(id, i);
  }
  const takenDefault = new Map<number, number>(); // position of a default id → first position of its id
  for (const [id, at] of first) {
    const k = defaultNumber(id) - 1;
    if (k < 0 || k >= moves.length || isDefault[k] !== 1) continue;
    if (at < k) takenDefault.set(k, at);
    else first.set(id, k);
  }
  const problems: RuleProblem[] = [];
  for (let i = 0; i < moves.length; i++) {
    const move = moves[i] as MoveSpec;
    const earliest = isDefault[i] === 1 ? takenDefault.get(i) : first.get(move.id);
    if (earliest === undefined || earliest >= i) continue;
    problems.push({
      severity: Severity.Error,
      rule: "duplicate-id",
      path: movePath(move, explicitIds.has(move.index) ? "id" : undefined),
      message: `id "${move.id}" is already used by moves[${(moves[earliest] as MoveSpec).index}]; give each move its own id`,
    });
  }
  return problems;
};

export const fromDiffersFromTo: Rule = ({ moves }) => {
  const g = groupNumbers(moves);
  return moves
    .filter((_m, i) => g.from[i] === g.to[i])
    .map((m) => ({
      severity: Severity.Error,
      rule: "from-equals-to",
      path: movePath(m, "to"),
      message: `from and to are the same group (${describeRef(m.to)}); DocSpace would empty it. Remove the move or correct one side`,
    }));
};

/** Position of each group's first move out of it (`wholeOnly`: first whole-group move), else -1. */
function firstBySource(g: GroupNumbers, wholeOnly: boolean): Int32Array {
  const first = new Int32Array(g.count).fill(-1);
  for (let i = 0; i < g.from.length; i++) {
    const from = g.from[i] as number;
    if (first[from] === -1 && (!wholeOnly || g.whole[i] === 1)) first[from] = i;
  }
  return first;
}

export const noRepeatedPair: Rule = ({ moves }) => {
  const g = groupNumbers(moves);
  // A pair can repeat only where a source does; only those moves go through a map.
  const perSource = new Int32Array(g.count);
  for (let i = 0; i < g.from.length; i++) (perSource[g.from[i] as number] as number)++;
  const first = new Map<string, MoveSpec>();
  const problems: RuleProblem[] = [];
  for (let i = 0; i < moves.length; i++) {
    if ((perSource[g.from[i] as number] as number) < 2) continue;
    const move = moves[i] as MoveSpec;
    const key = `${g.from[i] as number}:${g.to[i] as number}`;
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
  const g = groupNumbers(moves);
  // Partial moves take only the people they name: several may split one source.
  const bySource = firstBySource(g, true);
  const problems: RuleProblem[] = [];
  for (let i = 0; i < moves.length; i++) {
    const at = bySource[g.from[i] as number] as number;
    if (g.whole[i] !== 1 || at === i) continue;
    // The same pair twice is reported by noRepeatedPair; saying it twice would only add noise.
    if (g.to[at] === g.to[i]) continue;
    const move = moves[i] as MoveSpec;
    const earlier = moves[at] as MoveSpec;
    problems.push({
      severity: Severity.Error,
      rule: "shared-source",
      path: movePath(move, "from"),
      message: `group ${describeRef(move.from)} is already the source of move ${name(earlier)} (moves[${earlier.index}]), which empties it, so this move would move nothing; keep one move per source group`,
    });
  }
  return problems;
};

const componentsCache = new WeakMap<readonly MoveSpec[], number[][]>();

/** Groups (by number) that lie on a cycle, grouped by cycle; computed once per move list. */
function cyclicComponents(moves: readonly MoveSpec[]): number[][] {
  let components = componentsCache.get(moves);
  if (components === undefined) {
    components = stronglyConnected(groupNumbers(moves));
    componentsCache.set(moves, components);
  }
  return components;
}

/** Strongly connected components over the from → to graph (iterative Tarjan on typed arrays). */
function stronglyConnected(g: GroupNumbers): number[][] {
  const n = g.count;
  // Edges in compressed rows: the targets of node v are targets[start[v] .. start[v + 1]).
  const start = new Int32Array(n + 1);
  for (let i = 0; i < g.from.length; i++)
    if (g.from[i] !== g.to[i] && g.whole[i] === 1) (start[(g.from[i] as number) + 1] as number)++;
  for (let v = 0; v < n; v++) start[v + 1] = (start[v + 1] as number) + (start[v] as number);
  const targets = new Int32Array(start[n] as number);
  const fill = start.slice(0, n);
  for (let i = 0; i < g.from.length; i++) {
    const from = g.from[i] as number;
    if (from !== g.to[i] && g.whole[i] === 1) targets[(fill[from] as number)++] = g.to[i] as number;
  }
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const next = new Int32Array(n);
  // Both stacks hold each group at most once: typed arrays of n, with their heights.
  const stack = new Int32Array(n);
  let height = 0;
  const work = new Int32Array(n);
  let depth = 0;
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || start[root] === start[root + 1]) continue;
    index[root] = low[root] = counter++;
    next[root] = start[root] as number;
    stack[height++] = root;
    onStack[root] = 1;
    work[depth++] = root;
    while (depth > 0) {
      const v = work[depth - 1] as number;
      if ((next[v] as number) < (start[v + 1] as number)) {
        const w = targets[(next[v] as number)++] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          next[w] = start[w] as number;
          stack[height++] = w;
          onStack[w] = 1;
          work[depth++] = w;
        } else if (onStack[w] === 1) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = work[depth - 1] as number;
        low[parent] = Math.min(low[parent] as number, low[v] as number);
      }
      if (low[v] !== index[v]) continue;
      if (stack[height - 1] === v) {
        // A group on no cycle: its own component, which nothing needs.
        onStack[v] = 0;
        height--;
        continue;
      }
      const component: number[] = [];
      for (;;) {
        const member = stack[--height] as number;
        onStack[member] = 0;
        component.push(member);
        if (member === v) break;
      }
      components.push(component);
    }
  }
  return components;
}

export const noCycles: Rule = ({ moves }) => {
  const g = groupNumbers(moves);
  return cyclicComponents(moves).map((component) => {
    const groups = new Set(component);
    const inCycle = moves.filter((_m, i) => groups.has(g.from[i] as number) && groups.has(g.to[i] as number));
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
};

/**
 * A chain is a group that one move fills and another empties. It is allowed, but the outcome depends on
 * manifest order, so the preview says which way round it runs.
 */
export const chainsInOrder: Rule = ({ moves }) => {
  const g = groupNumbers(moves);
  const cyclic = new Uint8Array(g.count);
  for (const component of cyclicComponents(moves)) for (const group of component) cyclic[group] = 1;
  const bySource = firstBySource(g, false);
  const problems: RuleProblem[] = [];
  for (let i = 0; i < moves.length; i++) {
    const via = g.to[i] as number;
    const at = bySource[via] as number;
    if (at === -1 || cyclic[via] === 1 || g.from[i] === via) continue;
    // A partial move takes only the people it names: nobody else "moves on" through it.
    if (g.whole[at] !== 1) continue;
    const into = moves[i] as MoveSpec;
    const onward = moves[at] as MoveSpec;
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
