// Generates large manifests and measures `docspace-migrate validate` on them: wall time and the whole
// process's peak memory, median of several runs. Run with `npm run bench` (or `node bench/validate-large.mjs`
// after `npm run build`).
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, runCliAsync } from "./lib/measure.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const uuid = (n, tag) => `${tag}0000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

const cases = [
  {
    name: "100,000 moves, groups by name",
    moves: 100_000,
    line: (i) => `  - {from: {name: s${i}}, to: {name: d${i}}}`,
    expect: 0,
  },
  {
    // An issue needs its line and column, which only the yaml document API gives: the slow path.
    name: "100,000 moves by name, one of them wrong (exact position reported)",
    moves: 100_000,
    line: (i) =>
      i === 50_000 ? `  - {from: {name: s${i}}, to: sales}` : `  - {from: {name: s${i}}, to: {name: d${i}}}`,
    expect: 2,
  },
  {
    name: "57,000 moves, groups by UUID (largest under the 5 MiB cap)",
    moves: 57_000,
    line: (i) => `  - {from: ${uuid(i, "a")}, to: ${uuid(i, "b")}}`,
    expect: 0,
  },
  {
    name: "100,000 moves, groups by UUID (over the 5 MiB cap: refused)",
    moves: 100_000,
    line: (i) => `  - {from: ${uuid(i, "a")}, to: ${uuid(i, "b")}}`,
    expect: 2,
  },
];

export async function benchValidateLarge() {
  const dir = mkdtempSync(join(tmpdir(), "dm-validate-large-"));
  const rows = [];
  try {
    for (const c of cases) {
      const file = join(dir, "manifest.yaml");
      const lines = ["version: 1", "moves:"];
      for (let i = 0; i < c.moves; i++) lines.push(c.line(i));
      writeFileSync(file, `${lines.join("\n")}\n`);
      const sizeMiB = statSync(file).size / 1024 / 1024;
      const runs = [];
      for (let r = 0; r < RUNS; r++) {
        const run = await runCliAsync(["validate", file]);
        if (run.code !== c.expect) {
          throw new Error(`${c.name}: exit ${run.code}, expected ${c.expect}\n${run.stderr.slice(0, 500)}`);
        }
        runs.push(run);
      }
      rows.push({
        case: c.name,
        sizeMiB: sizeMiB.toFixed(2),
        exit: c.expect,
        medianSeconds: (median(runs.map((r) => r.ms)) / 1000).toFixed(2),
        peakMB: median(runs.map((r) => r.peakMb)).toFixed(0),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`validate-large (${RUNS} runs each, median; targets: < 2 s, < 300 MB)`);
  console.table(await benchValidateLarge());
}
