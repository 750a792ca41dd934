import fc from "fast-check";
import { groupNumbers, RULES } from "../../../src/manifest/rules.js";
import type { MoveSpec } from "../../../src/manifest/types.js";

/**
 * The rules run on integers and typed arrays so that 100,000 moves take milliseconds. Here each is
 * compared with the plainest reading of SPEC §3 (pairs of moves compared one by one) on small random
 * manifests: ids drawn so that explicit ids often take a default `move-<n>`, few groups so that pairs,
 * shared sources, chains and cycles are common, and some partial moves.
 */
const key = (r: MoveSpec["from"]): string => (r.kind === "id" ? `id:${r.id}` : `name:${r.name}`);
const whole = (m: MoveSpec): boolean => m.members === undefined && m.membersFrom === undefined;

function model(moves: readonly MoveSpec[]): string[] {
  const found: string[] = [];
  moves.forEach((m, i) => {
    const earlier = moves.slice(0, i).find((e) => e.id === m.id);
    if (earlier !== undefined) found.push(`duplicate-id ${m.index} ${earlier.index}`);
  });
  moves.forEach((m) => {
    if (key(m.from) === key(m.to)) found.push(`from-equals-to ${m.index}`);
  });
  moves.forEach((m, i) => {
    const earlier = moves.slice(0, i).find((e) => key(e.from) === key(m.from) && key(e.to) === key(m.to));
    if (earlier !== undefined) found.push(`duplicate-pair ${m.index} ${earlier.index}`);
  });
  moves.forEach((m, i) => {
    if (!whole(m)) return;
    const earlier = moves.slice(0, i).find((e) => whole(e) && key(e.from) === key(m.from));
    if (earlier !== undefined && key(earlier.to) !== key(m.to))
      found.push(`shared-source ${m.index} ${earlier.index}`);
  });
  // Cycles: groups that reach each other along whole moves (not to themselves).
  const edges = moves.filter((m) => whole(m) && key(m.from) !== key(m.to));
  const reach = (a: string): Set<string> => {
    const seen = new Set<string>();
    const todo = [a];
    while (todo.length > 0) {
      const g = todo.pop() as string;
      for (const e of edges)
        if (key(e.from) === g && !seen.has(key(e.to))) {
          seen.add(key(e.to));
          todo.push(key(e.to));
        }
    }
    return seen;
  };
  const onCycle = (g: string): boolean => reach(g).has(g);
  const cycles = new Map<string, MoveSpec>(); // a cycle's groups → its first move
  for (const m of moves) {
    const g = key(m.from);
    if (!onCycle(g) || !reach(g).has(key(m.to)) || !reach(key(m.to)).has(g)) continue;
    const members = [...reach(g)]
      .filter((h) => reach(h).has(g))
      .sort()
      .join(",");
    if (!cycles.has(members)) cycles.set(members, m);
  }
  for (const m of cycles.values()) found.push(`cycle ${m.index}`);
  const chains: [number, string][] = [];
  moves.forEach((into) => {
    const via = key(into.to);
    const onward = moves.find((e) => key(e.from) === via);
    if (onward === undefined || onCycle(via) || key(into.from) === via || !whole(onward)) return;
    const later = Math.max(into.index, onward.index);
    chains.push([later, `chain ${later} ${into.index < onward.index ? "fills first" : "empties first"}`]);
  });
  found.push(...chains.sort((a, b) => a[0] - b[0]).map(([, text]) => text));
  return found;
}

/** Each problem as "rule index [earlier index]" (a chain: which way round it runs). */
function actual(moves: readonly MoveSpec[]): string[] {
  return RULES.flatMap((rule) => rule({ moves, explicitIds: new Set() })).map((p) => {
    const at = p.path[1] as number;
    const earlier = /moves\[(\d+)\]/.exec(p.message)?.[1];
    if (p.rule === "chain")
      return `chain ${at} ${p.message.includes("runs first, so") ? "fills first" : "empties first"}`;
    return ["duplicate-id", "duplicate-pair", "shared-source"].includes(p.rule)
      ? `${p.rule} ${at} ${earlier}`
      : `${p.rule} ${at}`;
  });
}

const moveArb = fc.record({
  id: fc.option(fc.constantFrom("a", "b", "move-1", "move-2", "move-3", "move-03", "move-"), {
    nil: undefined,
  }),
  from: fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 4 })),
  to: fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 4 })),
  partial: fc.boolean(),
});

describe("the semantic rules", () => {
  it("find exactly what comparing every pair of moves finds", () => {
    fc.assert(
      fc.property(fc.array(moveArb, { maxLength: 12 }), (drawn) => {
        const moves: MoveSpec[] = drawn.map((d, i) => ({
          id: d.id ?? `move-${i + 1}`,
          index: i,
          note: null,
          from: d.from[0] ? { kind: "id", id: `g${d.from[1]}` } : { kind: "name", name: `g${d.from[1]}` },
          to: d.to[0] ? { kind: "id", id: `g${d.to[1]}` } : { kind: "name", name: `g${d.to[1]}` },
          ...(d.partial ? { members: [{ kind: "email", email: "anna@example.com" }] } : {}),
        }));
        const cyclesLast = (list: string[]): string[] => [
          ...list.filter((l) => !l.startsWith("cycle")),
          ...list.filter((l) => l.startsWith("cycle")).sort(),
        ];
        expect(cyclesLast(actual(moves))).toEqual(cyclesLast(model(moves)));
      }),
      { numRuns: 3000 },
    );
  });

  it("number each distinct group once, in order of first appearance, an id apart from a name spelled alike", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 3000 }), fc.boolean(), fc.nat({ max: 3000 })), {
          maxLength: 4000,
        }),
        (drawn) => {
          const ref = (isId: boolean, n: number): MoveSpec["from"] =>
            isId ? { kind: "id", id: `g${n}` } : { kind: "name", name: `g${n}` };
          const moves: MoveSpec[] = drawn.map(([fi, f, ti, t], i) => ({
            id: `move-${i + 1}`,
            index: i,
            note: null,
            from: ref(fi, f),
            to: ref(ti, t),
          }));
          const seen = new Map<string, number>();
          const plain = (r: MoveSpec["from"]): number => {
            if (!seen.has(key(r))) seen.set(key(r), seen.size);
            return seen.get(key(r)) as number;
          };
          const expected = moves.flatMap((m) => [plain(m.from), plain(m.to)]);
          const numbers = groupNumbers(moves);
          expect(moves.flatMap((_m, i) => [numbers.from[i], numbers.to[i]])).toEqual(expected);
          expect(numbers.count).toBe(seen.size);
        },
      ),
      { numRuns: 50 },
    );
  });
});
