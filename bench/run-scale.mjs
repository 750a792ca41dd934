// `docspace-migrate run` (and its dry run) as the plan grows: 100, 1,000, 10,000 and 100,000 disjoint moves
// (BENCH_SCALE to change) against a sandbox process with every limit off and no latency, so the
// client's own cost shows: CPU per move and peak memory should stay flat as the plan grows. Prints
// figures; asserts nothing.
import { Buffer } from "node:buffer";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMITS_OFF, runReported, startSandboxProcess } from "./lib/measure.mjs";

const SIZES = (process.env.BENCH_SCALE ?? "100,1000,10000,100000").split(",").map(Number);
/**
 * Past this many moves a manifest naming its groups by UUID is over the 5 MiB cap (SPEC §3): larger plans
 * name them, and the preflight finds the names in one listing of the portal's groups.
 */
const BY_ID_UP_TO = 50_000;
const KEY = `sk-${"d".repeat(64)}`;
const id = (prefix, n) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

function fixtures(dir, moves) {
  const users = [];
  const groups = [];
  const lines = [];
  for (let i = 0; i < moves; i++) {
    const members = [id("11111111", 2 * i), id("11111111", 2 * i + 1)];
    for (const uid of members)
      users.push({
        id: uid,
        displayName: `User ${uid.slice(-6)}`,
        email: `${uid}@example.com`,
        status: 1,
        isVisitor: false,
      });
    groups.push({ id: id("aaaaaaaa", i), name: `S${i}`, managerId: members[0], memberIds: members });
    groups.push({ id: id("bbbbbbbb", i), name: `D${i}`, managerId: null, memberIds: [] });
    lines.push(
      moves > BY_ID_UP_TO
        ? `  - {from: {name: S${i}}, to: {name: D${i}}}`
        : `  - { from: ${id("aaaaaaaa", i)}, to: ${id("bbbbbbbb", i)} }`,
    );
  }
  writeFileSync(join(dir, "seed.json"), JSON.stringify({ users, groups }));
  writeFileSync(
    join(dir, "moves.yaml"),
    `version: 1\nsettings:\n  concurrency: 15\n  rate: 6000000\nmoves:\n${lines.join("\n")}\n`,
  );
}

async function one(moves, dryRun) {
  const dir = mkdtempSync(join(tmpdir(), "dm-scale-"));
  try {
    fixtures(dir, moves);
    const sandbox = await startSandboxProcess(["--seed", join(dir, "seed.json"), ...LIMITS_OFF], {
      DOCSPACE_API_KEY: KEY,
    });
    try {
      const report = join(dir, "report.json");
      const {
        run,
        report: { summary },
      } = await runReported(join(dir, "moves.yaml"), report, dryRun ? ["--dry-run"] : [], {
        DOCSPACE_URL: sandbox.url,
        DOCSPACE_API_KEY: KEY,
      });
      return {
        case: `${dryRun ? "dry run" : "run"}, ${moves.toLocaleString("en")} moves${moves > BY_ID_UP_TO ? " (by name)" : ""}`,
        seconds: (run.ms / 1000).toFixed(2),
        cpuMsPerMove: (run.cpuMs / moves).toFixed(2),
        requestsPerMove: (summary.requests / moves).toFixed(2),
        peakMiB: run.peakMb.toFixed(0),
        stdoutKB: (Buffer.byteLength(run.stdout) / 1024).toFixed(1),
      };
    } finally {
      await sandbox.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchRunScale() {
  const rows = [];
  for (const dryRun of [false, true]) for (const moves of SIZES) rows.push(await one(moves, dryRun));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log("run-scale: disjoint moves of 2 members, sandbox limits off and no latency, --concurrency 15");
  console.table(await benchRunScale());
}
