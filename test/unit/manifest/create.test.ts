import { A, B, check, lines, withMoves } from "../../helpers/manifest.js";

describe("create: true in the manifest", () => {
  it("goes with a destination named by its exact name", () => {
    const result = check(withMoves(`  - { from: ${A}, to: { name: Sales North, create: true } }`));
    expect(result.issues).toEqual([]);
    expect(result.manifest?.moves[0]?.to).toEqual({ kind: "name", name: "Sales North", create: true });
    // create: false is the same as leaving it out.
    expect(
      check(withMoves(`  - { from: ${A}, to: { name: X, create: false } }`)).manifest?.moves[0]?.to,
    ).toEqual({
      kind: "name",
      name: "X",
    });
  });

  it.each([
    [
      `{ from: { name: Old, create: true }, to: ${B} }`,
      /moves\[0\]\.from\.create: create: true goes only with a destination/,
    ],
    [`{ from: ${A}, to: { name: X, create: yes } }`, /moves\[0\]\.to\.create: create is true or false/],
    [
      `{ from: ${A}, to: { id: ${B}, create: true } }`,
      /moves\[0\]\.to: create: true goes with \{name: \.\.\.\}/,
    ],
    [`{ from: ${A}, to: { name: "${"n".repeat(129)}", create: true } }`, /at most 128 characters/],
  ])("refuses %s with a clear message", (move, message) => {
    expect(lines(withMoves(`  - ${move}`)).join("\n")).toMatch(message);
  });
});
