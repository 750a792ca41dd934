// Generates large manifests and measures `docspace-migrate validate` on them: wall time and the whole
// process's peak memory, median of several runs. Run with `npm run bench` (or `node bench/validate-large.mjs`
// after `npm run build`).
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { median, runCliAsync } from "./lib/measure.mjs";

/** Wall time (ms) of `node -e 0`. */
function runNodeNothing() {
  const start = process.hrtime.bigint();
  return new Promise((resolve) =>
    spawn(process.execPath, ["-e", "0"]).on("close", () =>
      resolve(Number(process.hrtime.bigint() - start) / 1e6),
    ),
  );
}

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const uuid = (n, tag) => `${tag}0000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

const A = "08e455dc-98c4-4390-b36f-54757080149c";
const B = "18e455dc-98c4-4390-b36f-54757080149c";

/** Hostile shapes (SPEC §3: judged in time linear in size, ≈1 s per 5 MiB at most), as whole texts. */
const pathological = [
  {
    name: "pathological: 40,000 unknown keys",
    text: () =>
      [
        "version: 1",
        `moves: [{ from: ${A}, to: ${B} }]`,
        ...Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`),
      ].join("\n"),
    expect: 2,
  },
  {
    name: "pathological: 50,000 invalid moves",
    text: () =>
      [
        "version: 1",
        "moves:",
        ...Array.from({ length: 50_000 }, (_, i) => `  - { from: bad${i}, to: x }`),
      ].join("\n"),
    expect: 2,
  },
  {
    name: "pathological: 1,000,000 levels of nesting",
    text: () => `version: 1\nmoves: ${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`,
    expect: 2,
  },
  {
    name: "pathological: 4.9 MiB of alias references",
    text: () => {
      const lines = ["version: 1", `base: &b { from: ${A}, to: ${B} }`, "moves:"];
      while (lines.length < 480_000) lines.push("  - *b");
      return lines.join("\n");
    },
    expect: 2,
  },
  {
    name: "pathological: 50,000 moves with one id and one pair",
    text: () =>
      [
        "version: 1",
        "moves:",
        ...Array.from({ length: 50_000 }, () => `  - { id: same, from: ${A}, to: ${B} }`),
      ].join("\n"),
    expect: 2,
  },
];

const cases = [
  {
    name: "100,000 moves, groups by name",
    moves: 100_000,
    line: (i) => `  - {from: {name: s${i}}, to: {name: d${i}}}`,
    expect: 0,
  },
  {
    // An issue needs its line and column: only the erring move's lines are read again for them.
    name: "100,000 moves by name, one of them wrong (exact position reported)",
    moves: 100_000,
    line: (i) =>
      i === 50_000 ? `  - {from: {name: s${i}}, to: sales}` : `  - {from: {name: s${i}}, to: {name: d${i}}}`,
    expect: 2,
  },
  {
    name: "100,000 moves by name, a scalar in the list mid-file",
    moves: 100_000,
    line: (i) => (i === 50_000 ? "  - 42" : `  - {from: {name: s${i}}, to: {name: d${i}}}`),
    expect: 2,
  },
  {
    // Past 512 KiB js-yaml's refusal is reported: the document API would take ~1 s a megabyte.
    name: "100,000 moves by name, invalid YAML mid-file (bad indentation)",
    moves: 100_000,
    line: (i) =>
      i === 50_000 ? "  - from: {name: x}\n   to: {name: y}" : `  - {from: {name: s${i}}, to: {name: d${i}}}`,
    expect: 2,
  },
  {
    name: "100,000 moves by name, a duplicate key mid-file",
    moves: 100_000,
    line: (i) =>
      i === 50_000
        ? "  - {from: {name: x}, from: {name: y}, to: {name: z}}"
        : `  - {from: {name: s${i}}, to: {name: d${i}}}`,
    expect: 2,
  },
  {
    name: "100,000 moves by name, an unknown top-level key after them",
    moves: 100_000,
    line: (i) => `  - {from: {name: s${i}}, to: {name: d${i}}}`,
    after: ["setings:", "  concurrency: 4"],
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
    // The floor: node starting and doing nothing, measured in the same run.
    const floor = [];
    for (let r = 0; r < RUNS; r++) floor.push(await runNodeNothing());
    rows.push({
      case: "baseline: node -e 0 (start-up alone)",
      sizeMiB: "-",
      exit: 0,
      medianSeconds: (median(floor) / 1000).toFixed(2),
      peakMiB: "-",
    });
    for (const c of [...cases, ...pathological]) {
      const file = join(dir, "manifest.yaml");
      if (c.text !== undefined) {
        writeFileSync(file, `${c.text()}\n`);
      } else {
        const lines = ["version: 1", "moves:"];
        for (let i = 0; i < c.moves; i++) lines.push(c.line(i));
        lines.push(...(c.after ?? []));
        writeFileSync(file, `${lines.join("\n")}\n`);
      }
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
        peakMiB: median(runs.map((r) => r.peakMb)).toFixed(0),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`validate-large (${RUNS} runs each, median; targets: < 1 s, < 200 MB)`);
  console.table(await benchValidateLarge());
}
