import { MemoryPortal } from "../../../src/portal/memory.js";
import { PortalModel } from "../../../src/portal/model.js";
import { engineRig } from "../../helpers/engine.js";
import { g, smallSeed, u } from "../../helpers/portal.js";

describe("one object per person", () => {
  it("is not used by the HTTP portal: each answer's people are its own, no one is kept between them", async () => {
    // (the preflight keeps the groups it read on disk: one object per person would hold everyone to the end)
    const { portal } = engineRig(smallSeed());
    // u6 is in g1 and g2.
    const [first, second] = [await portal.group(g(1)), await portal.group(g(2))];
    const inFirst = first.members.find((m) => m.id === u(6));
    expect(inFirst).toBeDefined();
    expect(second.members.find((m) => m.id === u(6))).toEqual(inFirst);
    expect(second.members.find((m) => m.id === u(6))).not.toBe(inFirst);
  });

  it("shares them in the in-memory portal: the model's own, in every group and every read of it", async () => {
    const portal = new MemoryPortal(new PortalModel(smallSeed(), { version: "3.7.2" }));
    const [first, second] = [await portal.group(g(1)), await portal.group(g(2))];
    const person = first.members.find((m) => m.id === u(6));
    expect(person).toBeDefined();
    expect(second.members.find((m) => m.id === u(6))).toBe(person);
    expect((await portal.group(g(1))).members.find((m) => m.id === u(6))).toBe(person);
  });
});
