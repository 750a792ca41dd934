// Start-up cost: CPU time (user + system) of the whole process for a few short commands, beside `node -e 0`
// measured in the same run, alternating, median of many runs. Run with `npm run bench` (or
// `node bench/startup.mjs` after `npm run build`).
import { median, runCliAsync, runNodeAsync } from "./lib/measure.mjs";

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);

const cases = [
  { name: "validate migrations.example.yaml (5 moves)", args: ["validate", "migrations.example.yaml"] },
  { name: "--version", args: ["--version"] },
  { name: "run --help", args: ["run", "--help"] },
];

export async function benchStartup() {
  const floor = [];
  const cpu = cases.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    floor.push((await runNodeAsync(["-e", "0"])).cpuMs);
    for (const [i, c] of cases.entries()) {
      const run = await runCliAsync(c.args);
      if (run.code !== 0) throw new Error(`${c.name}: exit ${run.code}\n${run.stderr.slice(0, 500)}`);
      cpu[i].push(run.cpuMs);
    }
  }
  const base = median(floor);
  return [
    {
      case: "baseline: node -e 0",
      "CPU ms": base.toFixed(0),
      "× node -e 0": "1.00",
      "above node -e 0 ms": "0",
    },
    ...cases.map((c, i) => {
      const m = median(cpu[i]);
      return {
        case: c.name,
        "CPU ms": m.toFixed(0),
        "× node -e 0": (m / base).toFixed(2),
        "above node -e 0 ms": (m - base).toFixed(0),
      };
    }),
  ];
}

export function printStartup(rows) {
  console.log(`startup: CPU of the whole process, median of ${RUNS} alternating runs`);
  console.table(rows);
}

if (import.meta.url === `file://${process.argv[1]}`) printStartup(await benchStartup());
