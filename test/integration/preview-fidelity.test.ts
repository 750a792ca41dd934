import { generate, predictedGroups, set } from "../helpers/fidelity.js";
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
        for (const [id, predicted] of predictedGroups(preview.report)) {
          // By name: a group the run creates has another id in the preview.
          const actual = h.sandbox.model.listGroups({ count: 1000 }).items.find((x) => x.name === id);
          const got = { members: set(actual?.memberIds), manager: actual?.managerId ?? null };
          if (JSON.stringify(got) !== JSON.stringify(predicted)) {
            mismatches.push(
              `case ${n} (${c.version}) group ${id}: predicted ${JSON.stringify(predicted)}, got ${JSON.stringify(got)}`,
            );
          }
        }
        preview.report.moves.forEach((p, i) => {
          const r = run.report?.moves[i];
          movesChecked++;
          const fields = ["moved", "alreadyInDestination", "droppedGuests", "guestsLeftInSource"] as const;
          for (const field of fields) {
            if (JSON.stringify(set(p[field])) !== JSON.stringify(set(r?.[field]))) {
              mismatches.push(
                `case ${n} move ${p.id} ${field}: predicted ${JSON.stringify(set(p[field]))}, got ${JSON.stringify(set(r?.[field]))}`,
              );
            }
          }
          if (
            p.managerRemoved !== r?.managerRemoved ||
            p.completion !== r.completion ||
            p.managerSet !== r.managerSet ||
            p.created !== r.created
          ) {
            mismatches.push(
              `case ${n} move ${p.id}: manager/completion predicted ${p.managerRemoved}/${p.completion}, got ${r?.managerRemoved}/${r?.completion}`,
            );
          }
        });
      } finally {
        await h.close();
      }
    }
    expect(mismatches).toEqual([]);
    expect(movesChecked).toBeGreaterThan(CASES);
  }, 240_000);
});
