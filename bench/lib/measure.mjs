import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bundle/main.js");
const PRELOAD = new URL("./peak-rss.mjs", import.meta.url).href;

/** `docspace-migrate sandbox` with every limit off: the client's own speed shows, not the portal's limits. */
export const LIMITS_OFF = [
  "--rate-per-minute",
  "0",
  "--get-concurrency",
  "0",
  "--write-concurrency",
  "0",
  "--daily-writes",
  "0",
];

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Runs the built CLI once: wall time (ms), peak RSS (MiB: maxRSS is in KiB) and CPU time (ms) of the whole process, exit code, output. */
export function runCliAsync(args, env = {}) {
  return runNodeAsync([BIN, ...args], env);
}

/** Runs `node <args>` once, measured as runCliAsync measures the CLI (the same preload and options). */
export function runNodeAsync(args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "dm-bench-"));
  const rssFile = join(dir, "rss");
  const start = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_OPTIONS ?? "").split(" ").filter(Boolean), "--import", PRELOAD, ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PEAK_RSS_FILE: rssFile, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const usage = JSON.parse(readFileSync(rssFile, "utf8"));
      rmSync(dir, { recursive: true, force: true });
      resolve({ ms, peakMb: usage.maxRSS / 1024, cpuMs: usage.cpuMicros / 1000, code, stdout, stderr });
    });
  });
}

/** Starts `docspace-migrate sandbox` as its own process; resolves with its URL and a stop function. */
export async function startSandboxProcess(args, env) {
  const child = spawn(process.execPath, [BIN, "sandbox", ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const first = await new Promise((resolve) =>
    createInterface({ input: child.stdout }).once("line", resolve),
  );
  return {
    url: first.replace("listening on ", ""),
    stop: () =>
      new Promise((resolve) => {
        child.on("close", resolve);
        child.kill("SIGTERM");
      }),
  };
}

/**
 * `docspace-migrate run <manifest> --report <report> --log-level warn …flags` against a sandbox: fails
 * on any exit but 0; gives the process's figures, the report, and the report's own run window (s). Each
 * run has a state directory of its own, as a first run has: cases that share a manifest's folder would
 * otherwise read every earlier case's journal as they start.
 */
export async function runReported(manifest, report, flags, env) {
  const stateDir = mkdtempSync(join(tmpdir(), "dm-bench-state-"));
  const run = await runCliAsync(
    ["run", manifest, "--report", report, "--log-level", "warn", "--state-dir", stateDir, ...flags],
    env,
  );
  rmSync(stateDir, { recursive: true, force: true });
  if (run.code !== 0) throw new Error(`run exited ${run.code}: ${run.stderr.slice(0, 400)}`);
  const written = JSON.parse(readFileSync(report, "utf8"));
  const runSeconds = (Date.parse(written.finishedAt) - Date.parse(written.startedAt)) / 1000;
  return { run, report: written, runSeconds };
}
