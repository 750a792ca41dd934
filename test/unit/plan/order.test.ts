import fc from "fast-check";
import { dependencies } from "../../../src/plan/order.js";

const moves = (...pairs: string[]): [number, (index: number) => string[]] => [
  pairs.length,
  (index) => (pairs[index] as string).split(">"),
];

describe("ordering", () => {
  it("lets disjoint moves run at once", () => {
    expect(dependencies(...moves("a>b", "c>d", "e>f"))).toEqual([[], [], []]);
  });
  it("runs a chain in manifest order", () => {
    expect(dependencies(...moves("a>b", "b>c", "c>d"))).toEqual([[], [0], [1]]);
  });
  it("orders fan-in on the shared destination", () => {
    expect(dependencies(...moves("a>x", "b>x", "c>x"))).toEqual([[], [0], [1]]);
  });
  it("waits for the last earlier move on each group it touches", () => {
    expect(dependencies(...moves("a>b", "c>d", "b>d", "e>f", "d>e"))).toEqual([[], [], [0, 1], [], [2, 3]]);
  });
  it("handles a reversed chain the same way: by position, not by direction", () => {
    expect(dependencies(...moves("b>c", "a>b"))).toEqual([[], [0]]);
  });
  it("tells each group's last move", () => {
    const last: [string, number][] = [];
    dependencies(...moves("a>b", "b>c", "d>a"), (group, index) => last.push([group, index]));
    expect(last.sort()).toEqual([
      ["a", 2],
      ["b", 1],
      ["c", 1],
      ["d", 2],
    ]);
  });
  it("names each earlier move once, and never the move itself", () => {
    expect(dependencies(...moves("a>b", "b>a", "a>a"))).toEqual([[], [0], [1]]);
  });
  it("refuses a move that touches more than two groups", () => {
    expect(() => dependencies(1, () => ["a", "b", "c"])).toThrow(RangeError);
  });
  it("answers as a map of each group's last move would, with many groups sharing a table slot", () => {
    // The reference: the plain reading of the rule, with a Map.
    const reference = (pairs: readonly (readonly string[])[]): [number[][], [string, number][]] => {
      const lastTouch = new Map<string, number>();
      const graph = pairs.map((groups, index) => {
        const before = new Set<number>();
        for (const group of groups) {
          const previous = lastTouch.get(group);
          if (previous !== undefined && previous !== index) before.add(previous);
          lastTouch.set(group, index);
        }
        return [...before].sort((a, b) => a - b);
      });
      return [graph, [...lastTouch]];
    };
    const group = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz".split(""), "Ab", "bA", "", "é");
    fc.assert(
      fc.property(fc.array(fc.array(group, { maxLength: 2 }), { maxLength: 60 }), (pairs) => {
        const told: [string, number][] = [];
        const graph = dependencies(
          pairs.length,
          (index) => pairs[index] as string[],
          (g, index) => told.push([g, index]),
        );
        const [expectedGraph, expectedLast] = reference(pairs);
        expect(graph).toEqual(expectedGraph);
        expect(told.sort()).toEqual(expectedLast.sort());
      }),
      { numRuns: 300 },
    );
  });
});
