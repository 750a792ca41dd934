import fc from "fast-check";
import { checkManifest, formatIssue } from "../../../src/manifest/check.js";
import { A, B } from "../../helpers/manifest.js";

const EXAMPLE = `version: 1
portal:
  url: https://portal.example.com
settings: { concurrency: 4, rate: 1200 }
moves:
  - id: a
    from: ${A}
    to: { name: "Sales" }
    note: Q3
  - { from: { id: ${B} }, to: ${A} }
`;

/** Pieces of YAML that have broken parsers: tags, anchors, aliases, flow and block indicators, controls. */
const PIECES = [
  "&a ",
  "*a",
  "!!merge ",
  "!!binary ",
  "!!str ",
  "<<: ",
  "? ",
  "- ",
  ": ",
  "[",
  "]",
  "{",
  "}",
  ",",
  "\n",
  "  ",
  "#",
  "'",
  '"',
  "|",
  ">",
  "%YAML 1.2\n",
  "---\n",
  "...\n",
  "\u001b]0;x\u0007",
  "\u202e",
  "\u0000",
  "\t",
  "sk-" + "ab".repeat(32),
  "${DOCSPACE_API_KEY}",
  "~",
  "null",
  "1e999",
  "0x",
  "-.inf",
  A,
  "version",
  "moves",
];

const mutate = fc.tuple(
  fc.nat({ max: EXAMPLE.length }),
  fc.nat({ max: 8 }),
  fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 })), { maxLength: 6 }),
);

/** Runs the loader; every input must end in a manifest or a list of clear issues, never a throw. */
function judge(text: string): string[] {
  const result = checkManifest({
    file: "m.yaml",
    text,
    sha256: "",
    env: { DOCSPACE_API_KEY: "sk-" + "ab".repeat(32) },
  });
  const lines = result.issues.map(formatIssue);
  if (result.manifest === null && !lines.some((l) => /: (error: )?/.test(l)))
    throw new Error("no manifest and no issue");
  return lines;
}

describe("the manifest loader under fuzzing (seeded)", () => {
  it("never throws on mutated manifests, and its messages never carry a key or a raw control character", () => {
    fc.assert(
      fc.property(fc.array(mutate, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = EXAMPLE;
        for (const [at, cut, insert] of edits) {
          const i = Math.min(at, text.length);
          text = text.slice(0, i) + insert.join("") + text.slice(i + cut);
        }
        for (const line of judge(text)) {
          expect(line).not.toMatch(/sk-(ab){8}/);
          // eslint-disable-next-line no-control-regex
          expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e]/);
        }
      }),
      { seed: 20261127, numRuns: 3000 },
    );
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (text) => {
        judge(text);
      }),
      { seed: 7, numRuns: 1000 },
    );
  });
});
