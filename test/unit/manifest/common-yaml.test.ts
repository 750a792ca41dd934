import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { CORE_SCHEMA, load } from "js-yaml";
import { OUTSIDE, readCommonYaml, type Place } from "../../../src/manifest/common-yaml.js";
import { parseYaml, sha256 } from "../../../src/manifest/load.js";
import { A, B } from "../../helpers/manifest.js";

/** js-yaml's reading (the one that is always right), or a marker when it refuses the text. */
function jsYaml(text: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA }) ?? null;
  } catch {
    return REFUSED;
  }
}
const REFUSED = Symbol("refused");

/** The property: the subset reader gives js-yaml's data, or steps aside. Counts how often it read. */
function agrees(text: string, tally: { read: number; all: number }): void {
  const common = readCommonYaml(text);
  tally.all++;
  if (common === OUTSIDE) return;
  tally.read++;
  const reference = jsYaml(text);
  if (!isDeepStrictEqual(common, reference))
    throw new Error(
      `differs from js-yaml on ${JSON.stringify(text)}:\n${JSON.stringify(common)}\nvs ${reference === REFUSED ? "refused" : JSON.stringify(reference)}`,
    );
}

/** Scalars that have tripped YAML readers: types by spelling, indicators, quotes, comments, non-ASCII. */
const SCALARS = [
  "Sales",
  "Sales EMEA",
  "Customer Support Tier 1",
  "R&D",
  "Q3 reorganisation - one sales team",
  "null",
  "Null",
  "NULL",
  "nULL",
  "~",
  "true",
  "True",
  "False",
  "FALSE",
  "yes",
  "no",
  "on",
  "0",
  "7",
  "1200",
  "007",
  "00",
  "1e3",
  "0x1F",
  "0o7",
  "-1",
  "+1",
  ".5",
  "1.5",
  "1.",
  ".inf",
  "-.inf",
  ".nan",
  "1_000",
  "123456789012345",
  "1234567890123456789",
  A,
  B,
  "1234e567-1234-4234-8234-123456789012",
  "1e10",
  "2026-11-26",
  "1-2-3-4",
  "1--2-",
  "1e-3-",
  "1e-3",
  "-1e-3",
  "1-2-",
  "a: b",
  "a:b",
  "a:",
  "https://portal.example.com",
  "a #b",
  "a#b",
  "a # b",
  "#x",
  "it's",
  'say "hi"',
  "say \\n",
  "'q'",
  '"q"',
  "''",
  '""',
  "[x]",
  "a [x]",
  "{y}",
  "a {y}",
  "a, b",
  "a ,b",
  "&a",
  "*a",
  "a *b",
  "!x",
  "!!str x",
  "|",
  ">",
  "@x",
  "`x",
  "%x",
  "-x",
  "- x",
  "-",
  "?x",
  "? x",
  ":x",
  ",x",
  " lead",
  "trail ",
  "two  spaces",
  "",
  " ",
  "Отдел продаж",
  "日本",
  "\u00a0nbsp",
  "😀",
  "a\tb",
  "a\rb",
  "\u0085",
  "\u2028",
  "\ufeff",
  "<<",
  "=",
  "__proto__",
  "constructor",
];

/** What manifests hold, mostly. */
const COMMON = [
  "Sales",
  "Sales EMEA",
  "R&D",
  "it's",
  "a, b",
  "a#b",
  "https://x.example",
  "0",
  "12",
  A,
  "null",
  "NULL",
  "true",
  "True",
  "",
  "Отдел",
];

const KEYS = [
  "from",
  "to",
  "id",
  "name",
  "note",
  "moves",
  "members",
  "version",
  "a-b",
  "_x",
  "x1",
  "NULL",
  "True",
  "false",
  "__proto__",
  "constructor",
  "toString",
  "1a",
  "a b",
  "true",
  "null",
  "<<",
  "a:b",
  "'q'",
  "?",
];

type Tree = { scalar: string } | { map: [string, Tree][] } | { list: Tree[] };

const tree = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      scalar: fc.oneof(
        { arbitrary: fc.constantFrom(...COMMON), weight: 12 },
        { arbitrary: fc.constantFrom(...SCALARS), weight: 2 },
        { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
      ),
    }),
    fc.record({
      map: fc.array(
        fc.tuple(
          fc.oneof(
            { arbitrary: fc.constantFrom(...KEYS.slice(0, 14)), weight: 20 },
            { arbitrary: fc.constantFrom(...KEYS), weight: 1 },
          ),
          tie("node"),
        ),
        { minLength: 0, maxLength: 4 },
      ),
    }),
    fc.record({ list: fc.array(tie("node"), { minLength: 0, maxLength: 4 }) }),
  ),
})).node;

/** A document is a block collection with something in it (the reader leaves scalar documents to js-yaml). */
const documentTree = tree.filter((t) => ("map" in t ? t.map.length > 0 : "list" in t && t.list.length > 0));

/** Renders a tree as YAML, each choice (style, indentation, comments) taken from `choices` in turn. */
function render(root: Tree, choices: readonly number[]): string {
  let k = 0;
  const pick = (n: number): number => (choices.length === 0 ? 0 : (choices[k++ % choices.length] ?? 0) % n);
  const scalar = (s: string): string => [s, `"${s}"`, `'${s}'`, s][pick(4)] as string;
  const comment = (): string => ["", "", "", " # c", "  #c", "", "#c"][pick(7)] as string;
  const gap = (): string => ["", "", "", "\n", "\n# note\n", "\n  \n"][pick(6)] as string;
  const spaces = (): string => ["", " ", " ", "  "][pick(4)] as string;
  const flow = (node: Tree): string => {
    if ("scalar" in node) return scalar(node.scalar);
    const s = spaces();
    if ("map" in node)
      return `{${s}${node.map.map(([key, v]) => `${key}:${[" ", " ", " ", "", "  "][pick(5)]}${flow(v)}`).join(`,${spaces()}`)}${s}}`;
    return `[${s}${node.list.map(flow).join(`,${spaces()}`)}${s}]`;
  };
  const block = (node: Tree, indent: number, root = false): string => {
    const pad = " ".repeat(indent);
    if ("scalar" in node || (!root && pick(5) === 0)) return `${pad}${flow(node)}${comment()}\n`;
    const step = 1 + pick(3);
    if ("map" in node) {
      if (node.map.length === 0) return `${pad}{}\n`;
      return node.map
        .map(([key, v]) => {
          if ("scalar" in v || pick(4) === 0)
            return `${pad}${key}:${[" ", " ", " ", "  ", ""][pick(5)]}${flow(v)}${comment()}\n`;
          // A list under a key may sit at the key's own column.
          const inner = "list" in v && pick(2) === 0 ? indent : indent + step;
          return `${pad}${key}:${comment()}\n${gap()}${block(v, inner)}`;
        })
        .join(gap());
    }
    if (node.list.length === 0) return `${pad}[]\n`;
    return node.list
      .map((v) => {
        if ("scalar" in v) return `${pad}-${[" ", "  ", ""][pick(3)]}${flow(v)}${comment()}\n`;
        if ("map" in v && v.map.length > 0 && pick(2) === 0) {
          // The mapping starts on the dash's line: its keys line up after `- `.
          const text = block(v, indent + 2);
          return `${pad}- ${text.slice(indent + 2)}`;
        }
        return `${pad}-${comment()}\n${block(v, indent + step)}`;
      })
      .join(gap());
  };
  return `${gap()}${block(root, pick(3) === 0 ? 1 : 0, true)}${gap()}`;
}

const EXAMPLE = readFileSync(new URL("../../../migrations.example.yaml", import.meta.url), "utf8");

describe("readCommonYaml", () => {
  it("reads the shapes manifests are written in, as js-yaml does", () => {
    const shapes = [
      EXAMPLE,
      `version: 1\nmoves:\n  - {from: {name: s1}, to: {name: d1}}\n  - {from: {name: s2}, to: {name: d2}}\n`,
      `version: 1\nmoves:\n  - {from: ${A}, to: ${B}}\n`,
      `version: 1\nmoves:\n- from: ${A}\n  to: { name: "Sales: EMEA" } # quoted\n  members: [x@example.com, 'y@example.com']\n`,
      `version: 1\nsettings:\n  concurrency: 4\n  rate: 1200\nportal:\n  url: https://portal.example.com\nmoves: []\n`,
      `version: 1\nmoves:\n  -\n    from: a\n    to: b\n  - members:\n    - a\n    - b\n    from: c\n    to: d\n`,
    ];
    for (const text of [...shapes, EXAMPLE.replace(/\n/g, "\r\n")]) {
      const common = readCommonYaml(text);
      expect(common).not.toBe(OUTSIDE);
      expect(common).toStrictEqual(jsYaml(text));
    }
  });

  it.each([
    ["an anchor and an alias", "a: &x 1\nb: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a block scalar", "a: |\n  x\n"],
    ["a plain scalar over two lines", "a: one\n  two\n"],
    ["an escape", 'a: "x\\ny"\n'],
    ["a flow collection over two lines", "a: {b: 1,\n  c: 2}\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a float", "a: 1.5\n"],
    ["a tab", "a:\t1\n"],
    ["a CR alone", "a: 1\rb: 2\n"],
    ["a CR inside a line", "a: x\ry\n"],
    ["a document marker", "---\na: 1\n"],
    ["a scalar document", "just text\n"],
    ["nothing", ""],
    ["__proto__ as a key", "__proto__: 1\n"],
    ["an empty value in a flow mapping", "a: { b: , c: 1 }\n"],
    // js-yaml takes the `-` below an empty entry as the inner list's, at any lesser indentation.
    ["an empty list entry", "- a:\n    -\n  - b\n"],
  ])("steps aside for %s", (_what, text) => {
    expect(readCommonYaml(text)).toBe(OUTSIDE);
  });

  it("gives js-yaml's data or steps aside, on generated YAML (seeded)", () => {
    const tally = { read: 0, all: 0 };
    const windows = { read: 0, all: 0 };
    fc.assert(
      fc.property(documentTree, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (root, choices) => {
        const text = render(root, choices);
        agrees(text, tally);
        // The same with CRLF line ends, and with both kinds mixed.
        agrees(text.replace(/\n/g, "\r\n"), windows);
        agrees(
          text.replace(/\n/g, (_m, at: number) => (at % 2 === 0 ? "\r\n" : "\n")),
          windows,
        );
      }),
      { seed: Number(process.env.SEED ?? 20261129), numRuns: Number(process.env.RUNS ?? 4000) },
    );
    // The generator must reach the reader, not only its refusals.
    expect(tally.read / tally.all).toBeGreaterThan(0.15);
    expect(windows.read / windows.all).toBeGreaterThan(0.15);
  });

  it("gives js-yaml's data or steps aside, on mutations of a manifest (seeded)", () => {
    const tally = { read: 0, all: 0 };
    const pieces = fc.oneof(
      fc.constantFrom(
        " ",
        "  ",
        "\n",
        "\r\n",
        "\r",
        "- ",
        ": ",
        ":",
        "#",
        " #",
        "'",
        '"',
        "{",
        "}",
        "[",
        "]",
        ",",
      ),
      fc.constantFrom(...SCALARS),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: EXAMPLE.length }), fc.nat({ max: 6 }), pieces), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) => {
          let text = EXAMPLE;
          for (const [at, cut, insert] of edits) {
            const i = Math.min(at, text.length);
            text = text.slice(0, i) + insert + text.slice(i + cut);
          }
          agrees(text, tally);
        },
      ),
      { seed: Number(process.env.SEED ?? 29), numRuns: Number(process.env.RUNS ?? 4000) },
    );
    expect(tally.read / tally.all).toBeGreaterThan(0.3);
  });

  it("places every node where js-yaml's reading places it, on generated YAML (seeded)", () => {
    let placed = 0;
    fc.assert(
      fc.property(documentTree, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (root, choices) => {
        const text = render(root, choices);
        const places = new WeakMap<object, Place>();
        const value = readCommonYaml(text, places);
        // Keys that are no strings (`true:`, `NULL:`) are placed at their mapping by the subset reader; the
        // reference reads such mappings its own way. Both are left out here.
        if (
          value === OUTSIDE ||
          /(?:^|[\s{,])(?:null|Null|NULL|true|True|TRUE|false|False|FALSE):/.test(text)
        )
          return;
        // The reference: positions recorded from js-yaml's reading of the whole text.
        const reference = parseYaml(text, sha256(text)).parsed;
        const position = (offset: number): { line: number; column: number } => {
          const before = text.slice(0, offset);
          return { line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
        };
        // As a problem is placed: the node at the path, or its deepest ancestor that has a place.
        const locate = (
          path: (string | number)[],
          where: "key" | "value",
        ): { line: number; column: number } => {
          let node: unknown = value;
          let best = places.get(value as object)?.offset ?? -1;
          for (const [i, segment] of path.entries()) {
            const item = places.get(node as object)?.items.get(segment);
            if (item === undefined) break;
            best = i === path.length - 1 && where === "key" ? item.key : item.value;
            node = (node as Record<string, unknown>)[String(segment)];
          }
          return position(best);
        };
        const visit = (node: unknown, path: (string | number)[]): void => {
          for (const where of ["key", "value"] as const)
            expect([path, where, locate(path, where)]).toEqual([path, where, reference?.locate(path, where)]);
          placed++;
          if (node === null || typeof node !== "object") return;
          for (const [segment, child] of Object.entries(node))
            visit(child, [...path, Array.isArray(node) ? Number(segment) : segment]);
        };
        visit(value, []);
      }),
      { seed: Number(process.env.SEED ?? 11), numRuns: Number(process.env.RUNS ?? 3000) },
    );
    expect(placed).toBeGreaterThan(1000);
  });
});
