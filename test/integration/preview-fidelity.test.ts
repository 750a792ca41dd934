import { generate, mismatchesOf } from "../helpers/fidelity.js";
import { RunHarness } from "../helpers/run.js";

// The same property as test/unit/engine/fidelity.test.ts, end to end: the real client and sandbox over HTTP.
const CASES = 40;

describe(`the preview predicts the real run (${CASES} random organisations and manifests)`, () => {
  it("group by group and member by member, on portals that copy and portals that move", async () => {
    const mismatches: string[] = [];
    let movesChecked = 0;
    for (let n = 0; n < CASES; n++) {
      const c = generate(n);
      const h = new RunHarness();
      await h.start(c.seed, { version: c.version });
      try {
        const preview = await h.run(c.manifest, { dryRun: true, rate: 100_000, concurrency: 8 });
        const run = await h.run(c.manifest, { rate: 100_000, concurrency: 8 });
        if (preview.code !== 0 || run.code !== 0 || preview.report === null || run.report === null) {
          mismatches.push(
            `case ${n}: exit ${preview.code}/${run.code}: ${[...preview.err, ...run.err, ...(run.report?.problems ?? [])].join("; ")}`,
          );
          continue;
        }
        mismatches.push(
          ...mismatchesOf(`case ${n} (${c.version})`, preview.report, h.sandbox.model, run.report.moves),
        );
        movesChecked += preview.report.moves.length;
      } finally {
        await h.close();
      }
    }
    expect(mismatches).toEqual([]);
    expect(movesChecked).toBeGreaterThan(CASES);
  }, 240_000);
});
