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
    case 2:
      return `\n  # move ${i}\n  -   from: { id: ${A(i)} }\n      to: ${to}\n      id: m${i}`;
    default:
      // A note whose lines look like list items, deeper than the list.
      return `  - id: m${i}\n    note: |\n      - not a move\n      -\n    from: ${A(i)}\n    to: ${to}`;
  }
};

/** The same list written at the mapping's own indentation (`moves:` then `- ` at column 1). */
const unindent = (text: string): string => text.replace(/^ {2}/gm, "");

describe("positions recorded only as far as the problems reported", () => {
  it("are the positions the full YAML document gives, wherever the problems are", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bad: fc.boolean(), style: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.boolean(),
        fc.boolean(),
        (moves, settingsAfter, flush) => {
          const list = moves.map((m, i) => moveText(i, m.bad, m.style)).join("\n");
          const text = [
            "version: 1",
            "moves: # the list",
            flush ? unindent(list) : list,
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

describe("positions of a problem under one top-level key, from that key's lines alone", () => {
  it("are the positions the full YAML document gives, wherever the key is", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom("unknown-key", "bad-value", "bad-nested"),
        fc.boolean(),
        (count, kind, before) => {
          const moves = Array.from({ length: count }, (_, i) => moveText(i, false, i % 4));
          const extra =
            kind === "unknown-key"
              ? ["setings: # a typo", "  concurrency: 4"]
              : kind === "bad-value"
                ? ["settings:", "  # a comment", "  concurrency: 99"]
                : ["settings: { concurrency: 4, rate: -1 }"];
          const text = [
            "version: 1",
            ...(before ? extra : []),
            "moves:",
            ...(count === 0
              ? ["  - { id: only, from: a0000000-98c4-4390-b36f-000000000000, to: { name: G } }"]
              : moves),
            ...(before ? [] : extra),
            "",
          ].join("\n");
          const issues = check(text).issues;
          const full = parseThoroughly(text, sha256(text)).parsed;
          if (full === null) throw new Error("the text does not parse");
          const [path, where]: [(string | number)[], "key" | "value"] =
            kind === "unknown-key"
              ? [["setings"], "key"]
              : kind === "bad-value"
                ? [["settings", "concurrency"], "value"]
                : [["settings", "rate"], "value"];
          const at = full.locate(path, where);
          expect(issues.map((i) => [i.line, i.column])).toEqual([[at.line, at.column]]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
