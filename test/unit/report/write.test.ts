import fc from "fast-check";
import { jsonPieces, redactedJson } from "../../../src/report/write.js";

describe("the report written in pieces", () => {
  it("is exactly JSON.stringify(value, null, 2), whatever the value", () => {
    // Objects with undefined and function values (left out of objects, null in lists), nested lists, and
    // things with toJSON, as JSON.stringify treats them.
    const leaf = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.date({ noInvalidDate: true }),
      // eslint-disable-next-line no-sparse-arrays
      fc.constant([1, , 3]),
      fc.constant(new String("boxed")),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, leaf, tie("list"), tie("object")),
      list: fc.array(tie("node"), { maxLength: 5 }),
      object: fc.dictionary(fc.string(), tie("node"), { maxKeys: 5 }),
    })).object;
    fc.assert(
      fc.property(value, (v) => {
        expect([...jsonPieces(v)].join("")).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it("never holds a large report as one string, and redacts keys in every chunk", () => {
    const key = `sk-${"a".repeat(64)}`;
    const report = {
      runId: "r",
      moves: Array.from({ length: 20_000 }, (_, i) => ({
        id: `move-${i}`,
        error: i === 19_999 ? key : null,
      })),
    };
    const chunks = [...redactedJson(report)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(2 * 1024 * 1024);
    const text = chunks.join("");
    expect(text).toBe(`${JSON.stringify(report, null, 2).replace(key, "sk-***")}\n`);
    expect(text).not.toContain(key);
  });
});
