import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Ajv } from "ajv";
import { default as addFormats } from "ajv-formats";
import { pino } from "pino";
import { runCommand, type RunFlags } from "../../src/commands/run.js";
import type { SessionDeps } from "../../src/engine/session.js";
import { undoCommand } from "../../src/commands/undo.js";
import { runBin } from "./cli.js";
import { systemClock } from "../../src/api/clock.js";
import type { Seed } from "../../src/portal/types.js";
import type { Report } from "../../src/report/types.js";
import { reportSchema } from "../../src/schemas.js";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/server.js";

export const KEY = `sk-${"7".repeat(64)}`;

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
export const validateReport = ajv.compile(reportSchema);

export interface RunOutcome {
  code: number;
  out: string[];
  err: string[];
  logs: string;
  report: Report | null;
  reportText: string;
  reportPath: string;
}

/** A sandbox, a temporary directory, and `run` against them in this process (the real client, real HTTP). */
export class RunHarness {
  sandbox!: Sandbox;
  dir!: string;
  stop = new AbortController();

  async start(seed: Seed, options: Partial<SandboxOptions> = {}): Promise<Sandbox> {
    this.dir = await mkdtemp(join(tmpdir(), "dm-run-"));
    this.sandbox = await startSandbox({ seed, apiKey: KEY, ...options });
    return this.sandbox;
  }

  async close(): Promise<void> {
    await this.sandbox.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  async run(
    manifest: string,
    flags: Partial<RunFlags> = {},
    env: Record<string, string> = {},
    extra: Pick<SessionDeps, "paceHeap"> = {},
  ): Promise<RunOutcome> {
    const file = join(this.dir, "manifest.yaml");
    await writeFile(file, manifest);
    const reportPath = join(this.dir, `report-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    const out: string[] = [];
    const err: string[] = [];
    let logs = "";
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString("utf8");
        done();
      },
    });
    const code = await runCommand(
      file,
      { verify: true, report: reportPath, ...flags },
      {
        env: { DOCSPACE_URL: this.sandbox.url, DOCSPACE_API_KEY: KEY, ...env },
        output: { out: (l) => out.push(l), err: (l) => err.push(l) },
        logger: pino({ level: "debug" }, sink),
        stop: this.stop.signal,
        clock: systemClock,
        baseBackoffMs: 10,
        ...extra,
      },
    );
    let reportText = "";
    let report: Report | null = null;
    try {
      reportText = await readFile(reportPath, "utf8");
      report = JSON.parse(reportText) as Report;
    } catch {
      /* no report */
    }
    if (report !== null && !validateReport(report)) {
      throw new Error(
        `the report does not match schema/report.schema.json: ${JSON.stringify(validateReport.errors)}`,
      );
    }
    return { code, out, err, logs, report, reportText, reportPath };
  }

  /**
   * `undo` in this process against the sandbox (a run's report or a manifest), its report read back and
   * checked against the schema.
   */
  async undo(
    file: string,
    dryRun = false,
    env: Record<string, string> = {},
    flags: { html?: string } = {},
    extra: Pick<SessionDeps, "paceHeap"> = {},
  ): Promise<{ code: number; out: string[]; err: string[]; report: Report | null }> {
    const out: string[] = [];
    const err: string[] = [];
    const reportPath = `${file}.undo${dryRun ? "-dry" : ""}.json`;
    const code = await undoCommand(
      file,
      { dryRun, report: reportPath, ...flags },
      {
        env: { DOCSPACE_API_KEY: KEY, ...env },
        output: { out: (l) => out.push(l), err: (l) => err.push(l) },
        logger: pino(
          { level: "silent" },
          new Writable({
            write: (_c, _e, done) => {
              done();
            },
          }),
        ),
        stop: new AbortController().signal,
        clock: systemClock,
        baseBackoffMs: 10,
        ...extra,
      },
    );
    const text = await readFile(reportPath, "utf8").catch(() => null);
    const report = text === null ? null : (JSON.parse(text) as Report);
    if (report !== null && !validateReport(report))
      throw new Error(`the undo report does not match the schema: ${JSON.stringify(validateReport.errors)}`);
    return { code, out, err, report };
  }

  /** The built bin runs `args`, and is killed (SIGKILL) once the sandbox has seen a request `when` picks. */
  runKilledWhen(args: readonly string[], when: (r: { method: string; path: string }) => boolean) {
    return runBin(args, {
      env: { DOCSPACE_URL: this.sandbox.url, DOCSPACE_API_KEY: KEY },
      onSpawn: (kill) => {
        const timer = setInterval(() => {
          if (this.sandbox.requests.some(when)) {
            clearInterval(timer);
            kill("SIGKILL");
          }
        }, 5);
      },
    });
  }

  /** Methods and paths the sandbox saw, without queries. */
  calls(): string[] {
    return this.sandbox.requests.map((r) => `${r.method} ${r.path}`);
  }
}

/** A manifest with these flow-style moves. */
export const manifest = (...moves: string[]): string =>
  `version: 1\nmoves:\n${moves.map((m) => `  - ${m}`).join("\n")}\n`;
