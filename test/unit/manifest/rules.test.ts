import { A, B, C, D, check, lines, withMoves } from "../../helpers/manifest.js";

const move = (from: string, to: string, id?: string): string =>
  `  - { ${id === undefined ? "" : `id: ${id}, `}from: ${from}, to: ${to} }`;

// One row per semantic rule of the manifest.
const errors: [string, string, string[]][] = [
  [
    "ids are unique",
    withMoves(move(A, B, "same"), move(C, D, "same")),
    ['migrations.yaml:4:11 moves[1].id: id "same" is already used by moves[0]; give each move its own id'],
  ],
  [
    "an explicit id may not take a default one",
    withMoves(move(A, B), move(C, D, "move-1")),
    ['migrations.yaml:4:11 moves[1].id: id "move-1" is already used by moves[0]; give each move its own id'],
  ],
  [
    "from and to differ",
    withMoves(move(A, A)),
    [
      `migrations.yaml:3:55 moves[0].to: from and to are the same group (${A}); DocSpace would empty it. Remove the move or correct one side`,
    ],
  ],
  [
    "from and to differ, ids compared case-insensitively",
    withMoves(move(A, `{ id: ${A.toUpperCase()} }`)),
    [
      `migrations.yaml:3:55 moves[0].to: from and to are the same group (${A}); DocSpace would empty it. Remove the move or correct one side`,
    ],
  ],
  [
    "from and to differ, by name",
    withMoves(move("{ name: Sales }", "{ name: Sales }")),
    [
      'migrations.yaml:3:34 moves[0].to: from and to are the same group ("Sales"); DocSpace would empty it. Remove the move or correct one side',
    ],
  ],
  [
    "the same pair twice",
    withMoves(move(A, B, "one"), move(A.toUpperCase(), B, "two")),
    [
      'migrations.yaml:4:5 moves[1]: move "two" repeats move "one" (moves[0]: same from and to); remove one of them',
    ],
  ],
  [
    "the same source in two moves",
    withMoves(move(A, B, "one"), move(A, C, "two")),
    [
      `migrations.yaml:4:22 moves[1].from: group ${A} is already the source of move "one" (moves[0]), which empties it, so this move would move nothing; keep one move per source group`,
    ],
  ],
  [
    "a two-group cycle",
    withMoves(move(A, B, "there"), move(B, A, "back")),
    [
      `migrations.yaml:3:5 moves[0]: moves "there" (${A} → ${B}), "back" (${B} → ${A}) form a cycle: members would travel in a circle and groups would be emptied; remove one of these moves`,
    ],
  ],
  [
    "a longer cycle, by name",
    withMoves(
      move("{ name: X }", "{ name: Y }", "x"),
      move("{ name: Y }", "{ name: Z }", "y"),
      move("{ name: Z }", "{ name: X }", "z"),
    ),
    [
      'migrations.yaml:3:5 moves[0]: moves "x" ("X" → "Y"), "y" ("Y" → "Z"), "z" ("Z" → "X") form a cycle: members would travel in a circle and groups would be emptied; remove one of these moves',
    ],
  ],
];

describe("semantic rules", () => {
  it.each(errors)("%s", (_name, text, expected) => {
    expect(lines(text)).toEqual(expected);
    expect(check(text).manifest).toBeNull();
  });

  it("allows a chain and warns about it, in manifest order", () => {
    const text = withMoves(move(A, B, "a-to-b"), move(B, C, "b-to-c"));
    expect(lines(text)).toEqual([
      `migrations.yaml:4:5 moves[1]: warning: chain through ${B}: moves that share a group run in manifest order; "a-to-b" runs first, so the members it brings into ${B} move on to ${C} with "b-to-c"`,
    ]);
    expect(check(text).manifest?.moves.map((m) => m.id)).toEqual(["a-to-b", "b-to-c"]);
  });

  it("says which way round a reversed chain runs", () => {
    const text = withMoves(move(B, C, "b-to-c"), move(A, B, "a-to-b"));
    expect(lines(text)).toEqual([
      `migrations.yaml:4:5 moves[1]: warning: chain through ${B}: moves that share a group run in manifest order; "b-to-c" runs first and empties ${B} into ${C}, so the members "a-to-b" brings in afterwards stay in ${B}`,
    ]);
  });

  it("lists each link of a longer chain in order", () => {
    const text = withMoves(move(A, B, "one"), move(B, C, "two"), move(C, D, "three"));
    expect(lines(text).map((l) => l.split(": warning: ")[0])).toEqual([
      "migrations.yaml:4:5 moves[1]",
      "migrations.yaml:5:5 moves[2]",
    ]);
    expect(check(text).manifest).not.toBeNull();
  });

  it("accepts fan-in: two sources into one destination", () => {
    expect(lines(withMoves(move(A, C), move(B, C)))).toEqual([]);
  });

  it("handles 100,000 moves in one pass (no recursion limit)", () => {
    const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
    // One long chain: g0 → g1 → … → g100000, in manifest order.
    const text = withMoves(...Array.from({ length: 100_000 }, (_, i) => move(uuid(i), uuid(i + 1))));
    const result = check(text);
    expect(result.manifest?.moves).toHaveLength(100_000);
    // Past the first 100 the problems are counted, not listed (SPEC §3: linear time whatever the shape).
    expect(result.issues).toHaveLength(101);
    expect(result.issues.at(-1)?.message).toBe(
      "and 99899 more problems (at least) past the first 100; fix these and validate again",
    );
  });
});

describe("the rules on a list whose manifest indexes are not its positions (the preflight's resolved moves)", () => {
  it("report each problem at the move's own index, and find cycles and shared sources by group", async () => {
    const { RULES } = await import("../../../src/manifest/rules.js");
    const ref = (id: string) => ({ kind: "id", id }) as const;
    const moves = [
      { id: "a", index: 3, from: ref(A), to: ref(B), note: null },
      { id: "b", index: 7, from: ref(A), to: ref(C), note: null },
      { id: "c", index: 9, from: ref(C), to: ref(D), note: null },
      { id: "d", index: 12, from: ref(D), to: ref(C), note: null },
    ];
    const found = RULES.flatMap((rule) => rule({ moves, explicitIds: new Set() }));
    expect(found.map((p) => [p.rule, p.path])).toEqual([
      ["shared-source", ["moves", 7, "from"]],
      ["cycle", ["moves", 9]],
    ]);
  });
});

describe("partial moves in the rules", () => {
  it("may share a source, and are no chain's onward move (they take only the people named)", () => {
    const text = withMoves(
      `  - { id: whole, from: ${A}, to: ${B} }`,
      `  - { id: some, from: ${B}, to: ${C}, members: [anna@example.com] }`,
      `  - { id: others, from: ${B}, to: ${D}, members: [lena@example.com] }`,
    );
    expect(lines(text)).toEqual([]);
  });
});
