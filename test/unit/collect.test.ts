import { setImmediate as turn } from "node:timers/promises";
import { collectGarbage } from "../../src/collect.js";

describe("collectGarbage", () => {
  it("collects at once what nothing holds any more", async () => {
    const made = (): WeakRef<object> => new WeakRef({ large: new Array(100_000).fill(1) });
    const ref = made();
    await turn(); // (a WeakRef holds its target until the end of the turn that made it)
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });
});
