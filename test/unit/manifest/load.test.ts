import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { dataHeldWeakly, parseThoroughly, parseYaml, sha256 } from "../../../src/manifest/load.js";
import { A, B } from "../../helpers/manifest.js";

// Text without anchors is read by the fast parser; the document API must agree with it on the data.
const documents = [
  readFileSync(new URL("../../../migrations.example.yaml", import.meta.url), "utf8"),
  `version: 1\nmoves:\n  - { from: ${A}, to: { name: "R&D: \\"core\\"" }, note: 'it''s' }\n`,
  `version: 1\nsettings: { timeout: 2.5, retries: 0x3, rate: 1e3 }\nmoves:\n  - from: ${A}\n    to: ${B}\n    note: |\n      two\n      lines\n`,
  "version: 1\nmoves:\n  - { from: null, to: true, note: 2026-11-26 }\n",
  "version: 1\nmoves:\n  - { <<: { from: x }, to: ~ }\n",
  "",
  "# only a comment\n",
];

describe("parseYaml", () => {
  it.each(documents.map((d, i) => [i, d]))("reads document %i the same way on both paths", (_i, text) => {
    const fast = parseYaml(text, sha256(text));
    const thorough = parseThoroughly(text, sha256(text));
    expect(fast.problems).toEqual([]);
    expect(thorough.problems).toEqual([]);
    expect(fast.parsed?.value).toEqual(thorough.parsed?.value);
  });

  it("locates nodes on the fast path through the document API", () => {
    const text = `version: 1\nmoves:\n  - from: ${A}\n    to: { name: Sales }\n`;
    const { parsed } = parseYaml(text, sha256(text));
    expect(parsed?.locate(["moves", 0, "to", "name"])).toEqual({ line: 4, column: 17 });
    expect(parsed?.locate(["moves", 0, "to"], "key")).toEqual({ line: 4, column: 5 });
    expect(parsed?.locate(["moves", 3, "to"])).toEqual({ line: 3, column: 3 }); // the deepest ancestor that exists
  });

  it("sends text with anchors down the thorough path, which limits aliases", () => {
    const text = "version: 1\nx: &a [1, 2]\ny: *a\nmoves: []\n";
    expect(parseYaml(text, sha256(text)).parsed?.value).toEqual({
      version: 1,
      x: [1, 2],
      y: [1, 2],
      moves: [],
    });
  });

  it.each(documents.filter((d) => d.includes("moves:")).map((d, i) => [i, d]))(
    "finds every node where the document API does (document %i)",
    (_i, text) => {
      const fast = parseYaml(text, sha256(text)).parsed;
      const thorough = parseThoroughly(text, sha256(text)).parsed;
      const paths: (string | number)[][] = [];
      const walk = (value: unknown, path: (string | number)[]): void => {
        paths.push(path);
        if (Array.isArray(value))
          value.forEach((v, i) => {
            walk(v, [...path, i]);
          });
        else if (value !== null && typeof value === "object")
          for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      };
      walk(fast?.value, []);
      for (const path of paths) {
        for (const where of ["key", "value"] as const) {
          expect([path, where, fast?.locate(path, where)]).toEqual([
            path,
            where,
            thorough?.locate(path, where),
          ]);
          // Told first which path it will be asked for, it reads only that move's or key's lines again
          // (by the subset reader when it can): the same place.
          const told = parseYaml(text, sha256(text)).parsed;
          told?.expect?.([path]);
          expect([path, where, "told", told?.locate(path, where)]).toEqual([
            path,
            where,
            "told",
            thorough?.locate(path, where),
          ]);
        }
      }
    },
  );
});

describe("the parsed data, held weakly for placing problems", () => {
  // A collection on demand (the test's own: V8's flag, set at run time, gives `gc` to a new context).
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  /** After the job that made a WeakRef ends (it keeps its target until then), a full collection. */
  const collect = async (): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  };

  it("is the data while something holds it, and parsed again, once, after it was let go", async () => {
    let made = 0;
    const again = (): unknown => {
      made++;
      return { moves: [1, 2] };
    };
    const held = { moves: [1, 2] };
    const whileHeld = dataHeldWeakly(held, again);
    expect(whileHeld()).toBe(held);
    const letGo = ((): (() => unknown) => dataHeldWeakly({ moves: [1, 2] }, again))();
    await collect();
    expect(letGo()).toEqual({ moves: [1, 2] });
    expect(letGo()).toBe(letGo());
    expect(made).toBe(1);
    expect(dataHeldWeakly(null, again)()).toBeNull();
    expect(whileHeld()).toBe(held);
  });

  it("places a problem the same way once the data was let go as while it was held", async () => {
    const text = `version: 1\nmoves:\n  - { from: ${A}, to: ${B} }\n  - { from: ${B},\n      to: { name: x } }\n`;
    const placeOnce = (): unknown => {
      const { parsed } = parseYaml(text, sha256(text));
      return parsed?.locate(["moves", 1, "to", "name"]);
    };
    const whileHeld = placeOnce();
    // Only `locate` is kept, as a run keeps it: nothing else holds the data.
    const locate = ((): NonNullable<ReturnType<typeof parseYaml>["parsed"]>["locate"] | undefined => {
      const { parsed } = parseYaml(text, sha256(text));
      parsed?.expect?.([["moves", 1, "to", "name"]]);
      return parsed?.locate;
    })();
    await collect();
    expect(locate?.(["moves", 1, "to", "name"])).toEqual(whileHeld);
    expect(whileHeld).toMatchObject({ line: 5, column: 19 });
  });
});
