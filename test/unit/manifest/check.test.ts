import fc from "fast-check";
import { firstInFileOrder, MAX_REPORTED } from "../../../src/manifest/check.js";
import { A, B, C, check, lines, withMoves } from "../../helpers/manifest.js";

describe("a valid manifest", () => {
  it("normalises ids, references and defaults", () => {
    const { manifest, issues } = check(
      [
        "version: 1",
        "portal:",
        "  url: https://portal.example.com/",
        "settings: { concurrency: 2, rate: 600 }",
        "moves:",
        `  - from: ${A.toUpperCase()}`,
        "    to: { name: Sales }",
        "    note: Q3",
        `  - id: second`,
        `    from: { id: ${B} }`,
        `    to: ${C}`,
      ].join("\n"),
    );
    expect(issues).toEqual([]);
    expect(manifest).toMatchObject({
      portalUrl: "https://portal.example.com",
      apiKeyEnv: "DOCSPACE_API_KEY",
      settings: { concurrency: 2, rate: 600 },
      moves: [
        {
          id: "move-1",
          index: 0,
          from: { kind: "id", id: A },
          to: { kind: "name", name: "Sales" },
          note: "Q3",
        },
        { id: "second", index: 1, from: { kind: "id", id: B }, to: { kind: "id", id: C }, note: null },
      ],
    });
  });

  it("reads ${VAR} in the portal URL from the environment", () => {
    const text = `version: 1\nportal: { url: "\${DOCSPACE_URL}", apiKeyEnv: MY_KEY }\nmoves:\n  - { from: ${A}, to: ${B} }\n`;
    expect(check(text, { DOCSPACE_URL: "http://127.0.0.1:8080/" }).manifest).toMatchObject({
      portalUrl: "http://127.0.0.1:8080",
      apiKeyEnv: "MY_KEY",
    });
  });
});

// One row per schema problem: the exact line a user sees.
const schemaCases: [string, string, string[]][] = [
  [
    "a group that is neither a UUID nor a reference",
    withMoves(`  - from: ${A}`, `    to: sales`),
    [
      'migrations.yaml:4:9 moves[0].to: "sales" is not a UUID or {name: ...}; write the group\'s id (like 08e455dc-98c4-4390-b36f-54757080149c), {id: UUID} or {name: exact group name}',
    ],
  ],
  [
    "a path trick instead of an id",
    withMoves(`  - from: { id: ../../etc/passwd }`, `    to: ${B}`),
    [
      'migrations.yaml:3:17 moves[0].from.id: "../../etc/passwd" is not a UUID; a group id looks like 08e455dc-98c4-4390-b36f-54757080149c',
    ],
  ],
  [
    "a bare id with ../",
    withMoves(`  - from: ../${A}`, `    to: ${B}`),
    [
      `migrations.yaml:3:11 moves[0].from: "../${A}" is not a UUID or {name: ...}; write the group's id (like 08e455dc-98c4-4390-b36f-54757080149c), {id: UUID} or {name: exact group name}`,
    ],
  ],
  [
    "id and name together",
    withMoves(`  - from: { id: ${A}, name: Sales }`, `    to: ${B}`),
    ["migrations.yaml:3:11 moves[0].from: give either id or name for a group, not both"],
  ],
  [
    "an unknown key in a move",
    withMoves(`  - from: ${A}`, `    to: ${B}`, `    notes: typo`),
    [
      'migrations.yaml:5:5 moves[0].notes: unknown key "notes"; the keys allowed here are: id, from, to, note, members, manager',
    ],
  ],
  [
    "an unknown top-level key",
    `version: 1\nportals: {}\nmoves:\n  - { from: ${A}, to: ${B} }\n`,
    [
      'migrations.yaml:2:1 portals: unknown key "portals"; the keys allowed here are: version, portal, settings, moves',
    ],
  ],
  [
    "a missing destination",
    withMoves(`  - from: ${A}`),
    ['migrations.yaml:3:5 moves[0]: missing required key "to"; every move needs from and to'],
  ],
  [
    "no moves",
    "version: 1\nmoves: []\n",
    ["migrations.yaml:2:8 moves: the manifest lists no moves; add at least one"],
  ],
  [
    "another version",
    `version: 2\nmoves:\n  - { from: ${A}, to: ${B} }\n`,
    ["migrations.yaml:1:10 version: version 2 is not supported; this tool reads version: 1"],
  ],
  [
    "a bad move id",
    withMoves(`  - id: Bad Id`, `    from: ${A}`, `    to: ${B}`),
    [
      'migrations.yaml:3:9 moves[0].id: "Bad Id" is not a valid move id; use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
    ],
  ],
  [
    "concurrency above DocSpace's 15 concurrent writes",
    `version: 1\nsettings:\n  concurrency: 16\nmoves:\n  - { from: ${A}, to: ${B} }\n`,
    ["migrations.yaml:3:16 settings.concurrency: 16 is out of range; use a value from 1 to 15"],
  ],
  [
    "a document that is not a mapping",
    "- just\n- a list\n",
    [
      "migrations.yaml:1:1: the manifest must be a YAML mapping with version and moves (see migrations.example.yaml)",
    ],
  ],
];

describe("schema problems", () => {
  it.each(schemaCases)("%s", (_name, text, expected) => {
    expect(lines(text)).toEqual(expected);
    expect(check(text).manifest).toBeNull();
  });

  it("reports every problem at once, in file order", () => {
    const text = withMoves(
      `  - from: nope`,
      `    to: ${B}`,
      `  - id: X`,
      `    from: ${A}`,
      `    to: { name: "" }`,
    );
    expect(lines(text).map((l) => l.split(": ")[0])).toEqual([
      "migrations.yaml:3:11 moves[0].from",
      "migrations.yaml:5:9 moves[1].id",
      "migrations.yaml:7:17 moves[1].to.name",
    ]);
  });
});

describe("an empty value", () => {
  it("is placed at its key (it has no node of its own), not at the next line written", () => {
    const text = withMoves(
      "  - from: { name: a }",
      "    to:",
      "  - from: { name: c }",
      "    to: { name: d }",
    );
    expect(lines(text)).toEqual([
      "migrations.yaml:4:5 moves[0].to: null is not a UUID or {name: ...}; write the group's id (like 08e455dc-98c4-4390-b36f-54757080149c), {id: UUID} or {name: exact group name}",
    ]);
  });

  it("is placed at its key when problems in several moves are placed over the whole file", () => {
    const text = withMoves("  - from: { name: a }", "    to:", "  - from:", "    to: { name: d }");
    expect(lines(text)).toEqual([
      "migrations.yaml:4:5 moves[0].to: null is not a UUID or {name: ...}; write the group's id (like 08e455dc-98c4-4390-b36f-54757080149c), {id: UUID} or {name: exact group name}",
      "migrations.yaml:5:5 moves[1].from: null is not a UUID or {name: ...}; write the group's id (like 08e455dc-98c4-4390-b36f-54757080149c), {id: UUID} or {name: exact group name}",
    ]);
  });
});

describe("the first problems in file order", () => {
  it("are those a stable sort by place would put first, however the problems come", () => {
    // A manifest whose mappings have few keys and many (more than 16), and problems at paths in them.
    const big = Object.fromEntries(Array.from({ length: 20 }, (_v, i) => [`k${i}`, i]));
    const root = {
      version: 1,
      big,
      moves: Array.from({ length: 30 }, () => ({ from: "a", to: "b", id: "x" })),
    };
    const path = fc.oneof(
      fc.constant(["version"]),
      fc.nat({ max: 22 }).map((i) => ["big", `k${i}`]),
      fc
        .tuple(fc.nat({ max: 31 }), fc.constantFrom("from", "to", "id", "note"))
        .map(([i, k]) => ["moves", i, k]),
      fc.nat({ max: 31 }).map((i) => ["moves", i]),
      fc.constant(["unknown"]),
    );
    const place = (p: readonly (string | number)[]): number[] => {
      const out: number[] = [];
      let node: unknown = root;
      for (const s of p) {
        const keys =
          node !== null && typeof node === "object" && !Array.isArray(node) ? Object.keys(node) : [];
        out.push(typeof s === "number" ? s : keys.includes(s) ? keys.indexOf(s) : Number.MAX_SAFE_INTEGER);
        node =
          node !== null && typeof node === "object"
            ? (node as Record<string, unknown>)[String(s)]
            : undefined;
      }
      return out;
    };
    const byPlace = (a: number[], b: number[]): number => {
      for (let i = 0; i < Math.min(a.length, b.length); i++)
        if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
      return a.length - b.length;
    };
    fc.assert(
      fc.property(
        fc.array(path, { minLength: MAX_REPORTED + 1, maxLength: 400 }),
        fc.nat(),
        (paths, uncounted) => {
          const problems = paths.map((p, n) => ({ path: p, n }));
          const sorted = [...problems].sort((a, b) => byPlace(place(a.path), place(b.path)));
          const { first, more } = firstInFileOrder(problems, root, uncounted);
          expect(first.map((p) => p.n)).toEqual(sorted.slice(0, MAX_REPORTED).map((p) => p.n));
          expect(more).toBe(problems.length - MAX_REPORTED + uncounted);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("lists a large mapping's keys once, not once for each of its problems", () => {
    let listed = 0;
    const keys = Array.from({ length: 400 }, (_v, i) => `k${i}`);
    const root = new Proxy(Object.fromEntries(keys.map((k) => [k, 1])), {
      ownKeys: (target) => {
        listed++;
        return Reflect.ownKeys(target);
      },
    });
    const problems = keys.map((k) => ({ path: [k] }));
    const { first } = firstInFileOrder(problems.reverse(), root);
    expect(first.map((p) => p.path[0])).toEqual(keys.slice(0, MAX_REPORTED));
    expect(listed).toBe(1);
  });
});
