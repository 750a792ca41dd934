import { execute } from "../../../src/engine/execute.js";
import { describePreview, preview } from "../../../src/engine/preview.js";

import { preflight } from "../../../src/plan/preflight.js";
import { MemoryPortal } from "../../../src/portal/memory.js";
import { PortalModel } from "../../../src/portal/model.js";
import type { Report } from "../../../src/report/types.js";
import { movesOf, silent } from "../../helpers/engine.js";
import { generate, mismatchesOf } from "../../helpers/fidelity.js";

const CASES = 1000;

describe(`the preview is the run (${CASES} random organisations and manifests, in process)`, () => {
  it("predicts every group and every move's fields, on portals that copy and portals that move", async () => {
    const mismatches: string[] = [];
    const versions = new Set<string>();
    let movesChecked = 0;
    for (let n = 0; n < CASES; n++) {
      const c = generate(n);
      versions.add(c.version);
      const real = new MemoryPortal(new PortalModel(c.seed, { version: c.version }));
      const moves = movesOf(c.manifest);
      const input = { moves, selected: () => true, concurrency: 8 };
      const planned = await preview(
        { ...input, preflight: await preflight(real, moves) },
        { portal: real, logger: silent },
      );
      const ran = await execute(
        { ...input, preflight: await preflight(real, moves), verify: true },
        { portal: real, logger: silent, now: Date.now },
      );
      const predicted = { moves: describePreview(planned) } as unknown as Report;
      mismatches.push(...mismatchesOf(`case ${n} (${c.version})`, predicted, real.model, ran.moves));
      predicted.moves.forEach((p, i) => {
        const r = ran.moves[i];
        movesChecked++;
        if (p.status !== "planned" || r?.status !== "succeeded")
          mismatches.push(`case ${n} move ${p.id}: ${p.status} / ${r?.status}`);
      });
    }
    expect(mismatches).toEqual([]);
    expect(movesChecked).toBeGreaterThan(CASES);
    // The new operations were drawn, many times each.
    const all = Array.from({ length: CASES }, (_, n) => generate(n).manifest).join("\n");
    for (const kind of ["members:", "manager:", "create: true"])
      expect(all.split(kind).length - 1).toBeGreaterThan(50);
    expect([...versions].sort()).toEqual(["3.6.2", "3.7.2"]);
  });
});
