import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "dist/cli/main.js");
const PRELOAD = new URL("./peak-rss.mjs", import.meta.url).href;

/** Runs the built CLI once; returns wall time (ms), peak RSS of the whole process (MB) and the exit code. */
export function runCli(args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "dm-bench-"));
  const rssFile = join(dir, "rss");
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ["--import", PRELOAD, BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PEAK_RSS_FILE: rssFile, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const peakMb = Number(readFileSync(rssFile, "utf8")) / 1024;
  rmSync(dir, { recursive: true, force: true });
  return { ms, peakMb, code: child.status, stdout: child.stdout, stderr: child.stderr };
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
