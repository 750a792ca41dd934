import fc from "fast-check";
import { parseThoroughly, sha256 } from "../../../src/manifest/load.js";
import { check } from "../../helpers/manifest.js";

/** A distinct source per move: no rule but the schema's has anything to say. */
const A = (i: number): string => `08e455dc-98c4-4390-b36f-${i.toString(16).padStart(12, "0")}`;

/** One move in one of the styles people write, with a bad `to` or a good one. */
const moveText = (i: number, bad: boolean, style: number): string => {
  const to = bad ? "bad" : `{ name: "G ${i}" }`;
  switch (style) {
    case 0:
      return `  - { id: m${i}, from: ${A(i)}, to: ${to} }`;
    case 1:
      return `  - id: m${i}\n    from: ${A(i)} # a comment\n    to: ${to}`;
    default:
      return `\n  # move ${i}\n  -   from: { id: ${A(i)} }\n      to: ${to}\n      id: m${i}`;
  }
};

describe("positions recorded only as far as the problems reported", () => {
  it("are the positions the full YAML document gives, wherever the problems are", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bad: fc.boolean(), style: fc.integer({ min: 0, max: 2 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.boolean(),
        (moves, settingsAfter) => {
          const text = [
            "version: 1",
            "moves:",
            ...moves.map((m, i) => moveText(i, m.bad, m.style)),
            ...(settingsAfter ? ["settings:", "  concurrency: 4"] : []),
            "",
          ].join("\n");
          const issues = check(text).issues;
          const full = parseThoroughly(text, sha256(text)).parsed;
          if (full === null) throw new Error("the text does not parse");
          const bad = moves.flatMap((m, i) => (m.bad ? [i] : []));
          expect(issues.map((i) => [i.path, i.line, i.column])).toEqual(
            bad.map((i) => {
              const at = full.locate(["moves", i, "to"]);
              return [`moves[${i}].to`, at.line, at.column];
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
