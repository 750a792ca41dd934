import { MemoryPortal } from "../../../src/portal/memory.js";
import { PortalModel } from "../../../src/portal/model.js";
import { SamePeople } from "../../../src/portal/same-people.js";
import { engineRig } from "../../helpers/engine.js";
import { g, smallSeed, u } from "../../helpers/portal.js";

const anna = { id: u(1), displayName: "Anna", status: 1, isVisitor: false, email: "anna@example.com" };

describe("one object per person", () => {
  it("gives back the person first seen while every field reads the same, and the new one once one changes", () => {
    const people = new SamePeople();
    expect(people.of(anna)).toBe(anna);
    expect(people.of({ ...anna })).toBe(anna);
    for (const change of [
      { displayName: "Anna B." },
      { status: 2 },
      { isVisitor: true },
      { email: "a@example.com" },
    ]) {
      const changed = { ...anna, ...change };
      expect(people.of(changed)).toBe(changed);
      expect(people.of({ ...changed })).toBe(changed);
      people.of(anna);
    }
    const { email: _, ...noEmail } = anna;
    expect(people.of(noEmail)).toBe(noEmail);
  });

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

  it("shares them in the in-memory portal too", async () => {
    const portal = new MemoryPortal(new PortalModel(smallSeed(), { version: "3.7.2" }));
    const [first, second] = [await portal.group(g(1)), await portal.group(g(2))];
    expect(second.members.find((m) => m.id === u(6))).toBe(first.members.find((m) => m.id === u(6)));
  });
});
