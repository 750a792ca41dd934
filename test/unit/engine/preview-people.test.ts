import { preview } from "../../../src/engine/preview.js";
import { preflight } from "../../../src/plan/preflight.js";
import { MemoryPortal } from "../../../src/portal/memory.js";
import { PortalModel } from "../../../src/portal/model.js";
import { movesOf, silent } from "../../helpers/engine.js";
import { g, smallSeed, u } from "../../helpers/portal.js";

describe("the people the preview knows", () => {
  it("are those the groups named and the disabled members it read, looked up from the preflight's reads", async () => {
    const portal = new MemoryPortal(new PortalModel(smallSeed(), { version: "3.7.2" }));
    const moves = movesOf(`version: 1\nmoves:\n  - { from: ${g(1)}, to: ${g(3)} }\n`);
    const pre = await preflight(portal, moves);
    const planned = await preview(
      { moves, preflight: pre, selected: () => true, concurrency: 2 },
      { portal, logger: silent },
    );
    // u2 is in g1, u8 in g3, u4 disabled in g1 (the group read does not list them: the preview reads them).
    expect(planned.people.get(u(2))?.displayName).toBe("User 2");
    expect(planned.people.get(u(8))?.displayName).toBe("User 8");
    expect(planned.people.get(u(4))).toMatchObject({ displayName: "User 4", status: 2 });
    // u7 is in no group the plan reads.
    expect(planned.people.get(u(7))).toBeUndefined();
    // The preflight's groups are left as they were read.
    expect(pre.groups.get(g(1))?.members.map((m) => m.id)).toContain(u(2));
  });
});
