import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { systemClock } from "../api/clock.js";
import { DEFAULT_SETTINGS } from "../manifest/types.js";
import { DEFAULT_DOCSPACE_VERSION } from "../portal/version.js";
import type { Output } from "../engine/session.js";
import type { Logger } from "pino";
import type { Env } from "../manifest/check.js";
import { TOOL } from "../version.js";
import { ExitCode } from "../report/exit-codes.js";
import type { ProgressDisplay } from "./progress.js";

export interface CliContext {
  readonly env: Env;
  readonly output: Output;
  /** Raw writers for commander's own help and error text. */
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM. */
  readonly stop: AbortSignal;
  /** stderr is a terminal: pretty logs and a live progress line. */
  readonly stderrIsTTY: boolean;
  /** Writes to stderr without a newline (the progress line). */
  readonly writeProgress: (text: string) => void;
  /** The terminal's width, when stderr is one. */
  readonly columns?: number;
  /** stdin and stdout are both terminals: asks and resolves true for y/yes. Absent otherwise. */
  readonly ask?: (question: string) => Promise<boolean>;
  /**
   * Where the bin's own line on a signal ("stopping…") goes from now on: above a live progress display,
   * which would otherwise erase it as it redraws.
   */
  readonly noticeTo?: (write: (line: string) => void) => void;
}

interface GlobalOptions {
  logLevel: string;
  logFile?: string;
  quiet?: boolean;
}

/** Each command's modules (and pino) load only when it runs: `validate` starts without them. */
async function loggerFor(
  ctx: CliContext,
  globals: GlobalOptions,
  display?: ProgressDisplay,
): Promise<Logger> {
  const { createLogger } = await import("./logger.js");
  return createLogger({
    level: globals.logLevel,
    // --quiet lowers stderr alone: the log file keeps its level, so a cron job keeps its record.
    ...(globals.quiet === true ? { stderrLevel: "error" } : {}),
    ...(globals.logFile === undefined ? {} : { file: globals.logFile }),
    prettyOnTerminal: ctx.stderrIsTTY,
    color: ctx.env.NO_COLOR === undefined,
    // On a terminal, log lines go above the progress display, never through it.
    ...(display === undefined ? {} : { terminalWrite: display.above }),
  });
}

/**
 * A run allocates far more than it keeps (answers, retries, log lines), and V8's default lets the heap
 * grow to several times what is live before it collects: 100,000 moves peaked at 476 MiB without a pace,
 * 241 with this one. A gentler growth keeps the heap near what it holds, for more collecting: a run of
 * 1,000 moves made 12 full collections instead of 3 and spent 2–9 % more CPU for it, under 150 MiB either
 * way. So only a run or undo of PACED_FROM moves or more is paced (10,000 moves peaked at 200 MiB
 * without it, 133 with it). A pace, not a limit: nothing can run out because of it. Not for validate (a
 * short burst).
 */
export const PACED_FROM = 5_000;

export async function paceHeap(
  moves: number,
  setFlags: (flags: string) => Promise<void> = setV8Flags,
): Promise<void> {
  if (moves >= PACED_FROM) await setFlags("--heap-growing-percent=30");
}

async function setV8Flags(flags: string): Promise<void> {
  // (node:v8 loaded now, not at start: validate does without it)
  const { setFlagsFromString } = await import("node:v8");
  setFlagsFromString(flags);
}

/**
 * The logger and, unless --quiet, the progress display of run and undo: live on a terminal, a JSON
 * line every 10 s otherwise.
 */
async function observed(
  ctx: CliContext,
  globals: GlobalOptions,
  mode: "run" | "undo",
): Promise<{ logger: Logger; display: ProgressDisplay | undefined }> {
  if (globals.quiet === true) return { logger: await loggerFor(ctx, globals), display: undefined };
  const { progressDisplay } = await import("./progress.js");
  const display = await progressDisplay({
    terminal: ctx.stderrIsTTY,
    mode,
    writeErr: ctx.writeProgress,
    columns: ctx.columns !== undefined && ctx.columns > 0 ? ctx.columns : 80,
  });
  const logger = await loggerFor(ctx, globals, ctx.stderrIsTTY ? display : undefined);
  display.useLogger(logger);
  if (ctx.stderrIsTTY) ctx.noticeTo?.(display.above);
  return { logger, display };
}

/** --quiet: nothing on stdout when every move went well (cron mails only what needs reading). */
function quietOutput(
  ctx: CliContext,
  globals: GlobalOptions,
): { output: Output; flush: (code: ExitCode) => void } {
  if (globals.quiet !== true) return { output: ctx.output, flush: () => undefined };
  const held: string[] = [];
  return {
    output: { out: (line) => held.push(line), err: ctx.output.err },
    flush: (code) => {
      if (code !== ExitCode.Ok) for (const line of held) ctx.output.out(line);
    },
  };
}

const ids = (text: string, previous: string[] = []): string[] => [
  ...previous,
  ...text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== ""),
];

/** Commander argument parsers: a bad number is a usage error (exit 2). */
const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `use a whole number of at least ${min}`
          : `use a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
const share = (text: string): number => {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError("use a share from 0 to 1, e.g. 0.05");
  return n;
};
const collect = (value: string, previous: string[]): string[] => [...previous, value];

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** Builds the program; each action stores its exit code in `result`. */
export function buildProgram(ctx: CliContext, result: { code: ExitCode; signalStops?: boolean }): Command {
  const program = new Command()
    .name(TOOL.name)
    .description("Move ONLYOFFICE DocSpace group members in bulk from a validated YAML manifest.")
    .version(TOOL.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .addOption(new Option("--log-level <level>", "log detail on stderr").choices(LOG_LEVELS).default("info"))
    .option("--log-file <path>", "also write the JSON log to this file")
    .option("--quiet", "print only errors")
    .showHelpAfterError("(add --help for usage)")
    .addHelpText(
      "after",
      `
Environment:
  DOCSPACE_URL            the portal, when the manifest names none
  DOCSPACE_API_KEY        the API key (never on the command line, never in the manifest)
  DOCSPACE_API_KEY_FILE   a file holding the key, instead
  NO_COLOR                plain logs on a terminal
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY   a proxy for requests to the portal (either case)
  NODE_EXTRA_CA_CERTS     a PEM file with a private CA, for a portal whose certificate it signed

Exit codes:
  0 all selected moves succeeded or were already done (dry run: no blocking problem)
  1 a move failed or could not be verified (dry run: blocking problems)
  2 invalid usage or manifest, nothing sent     3 key refused or portal unreachable
  4 deferred by the portal's rate limit         5 another run holds the lock
  70 internal error (a bug)                     130 interrupted; report written`,
    )
    .configureOutput({ writeOut: ctx.writeOut, writeErr: ctx.writeErr })
    .exitOverride();

  program
    .command("validate")
    .description("check a manifest against the schema and the semantic rules; sends nothing")
    .argument("<manifest>", "the YAML manifest")
    .action(async (file: string) => {
      const { validateCommand } = await import("../commands/validate.js");
      result.code = await validateCommand(file, { env: ctx.env, output: ctx.output });
    });

  program
    .command("run")
    .description("execute the moves of a manifest and write a JSON report")
    .argument("<manifest>", "the YAML manifest")
    .option("--dry-run", "preview only: GET requests alone, predicts the end state, writes a report")
    .option("--plan-out <file>", "with --dry-run: save the preview as a plan")
    .option("--plan <file>", "execute a saved plan; pairs whose groups changed since are refused")
    .option("--report <path>", "report file, or - for stdout (default reports/<manifest>-<UTC time>.json)")
    .option("--concurrency <n>", "moves in flight at once, 1-15 (default 4)", integer(1, 15))
    .option("--rate <n>", "requests per minute across all workers, reads included (default 1200)", integer(1))
    .option("--retries <n>", "retries per request for transient failures (default 5)", integer(0, 20))
    .option("--timeout <s>", "per-request timeout in seconds (default 30)", integer(1, 600))
    .option(
      "--max-wait <s>",
      "longest Retry-After to wait through; longer defers the run, exit 4 (default 300)",
      integer(0, 86400),
    )
    .option("--only <id,...>", "run only these moves (by manifest id)", ids)
    .option("--exclude <id,...>", "skip these moves (by manifest id)", ids)
    .option("--no-verify", "skip the read-back of each move (only for portals at v3.7.1 or later)")
    .option("--force", "also run moves the state store records as done on this portal")
    .option("--state-dir <dir>", "journal, history and lock (default .docspace-migrate/ beside the manifest)")
    .option("--csv <file>", "also write one CSV row per person per move and what happened to them")
    .option("--yes", "do not ask for confirmation before a live run on a terminal")
    .option(
      "--max-changes <n>",
      "refuse a live run whose preview changes the groups of more than n people (exit 1, nothing sent)",
      integer(0),
    )
    .option("--html <file>", "also write the report as one self-contained HTML page (dry runs included)")
    .option(
      "--rooms",
      "also read every room's access and show, per person, the rooms the plan takes away or grants (one read per room)",
    )
    .action(async (file: string, o: Record<string, unknown>, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { logger, display } = await observed(ctx, globals, "run");
      const { output, flush } = quietOutput(ctx, globals);
      const { runCommand } = await import("../commands/run.js");
      result.code = await runCommand(
        file,
        {
          concurrency: o.concurrency as number | undefined,
          rate: o.rate as number | undefined,
          retries: o.retries as number | undefined,
          timeout: o.timeout as number | undefined,
          maxWait: o.maxWait as number | undefined,
          report: o.report as string | undefined,
          only: o.only as string[] | undefined,
          exclude: o.exclude as string[] | undefined,
          verify: o.verify as boolean,
          dryRun: o.dryRun as boolean | undefined,
          planOut: o.planOut as string | undefined,
          plan: o.plan as string | undefined,
          force: o.force as boolean | undefined,
          stateDir: o.stateDir as string | undefined,
          csv: o.csv as string | undefined,
          yes: o.yes as boolean | undefined,
          maxChanges: o.maxChanges as number | undefined,
          rooms: o.rooms as boolean | undefined,
          html: o.html as string | undefined,
        },
        {
          env: ctx.env,
          output,
          logger,
          stop: ctx.stop,
          clock: systemClock,
          paceHeap,
          ...(display === undefined ? {} : { progress: display.tracker }),
          // The preview and the question are shown even with --quiet: someone is there to answer.
          ...(ctx.ask === undefined
            ? {}
            : {
                confirm: async (lines: readonly string[], question: string) => {
                  display?.pause();
                  for (const line of lines) ctx.output.out(line);
                  const yes = (await ctx.ask?.(question)) ?? false;
                  display?.resume();
                  return yes;
                },
              }),
        },
      ).finally(() => display?.close());
      flush(result.code);
    });

  program
    .command("undo")
    .description(
      "put moved members back: from a run's report, or every move the state store records as done for a manifest",
    )
    .argument("<report.json|manifest>", "a run's report (.json), or a manifest whose recorded moves to undo")
    .option("--dry-run", "show what would be put back; GET requests only")
    .option("--report <path>", "report file (default: beside the run's report, -undo.json)")
    .option(
      "--state-dir <dir>",
      "the state directory to mark the moves undone in (default beside the manifest)",
    )
    .option("--csv <file>", "also write one CSV row per person per step and what happened to them")
    .option("--html <file>", "also write the report as one self-contained HTML page")
    .action(
      async (
        file: string,
        o: { dryRun?: boolean; report?: string; stateDir?: string; csv?: string; html?: string },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const { logger, display } = await observed(ctx, globals, "undo");
        const quiet = quietOutput(ctx, globals);
        const { undoCommand } = await import("../commands/undo.js");
        result.code = await undoCommand(
          file,
          { dryRun: o.dryRun === true, report: o.report, stateDir: o.stateDir, csv: o.csv, html: o.html },
          {
            env: ctx.env,
            output: quiet.output,
            logger,
            stop: ctx.stop,
            clock: systemClock,
            paceHeap,
            ...(display === undefined ? {} : { progress: display.tracker }),
          },
        ).finally(() => display?.close());
        quiet.flush(result.code);
      },
    );

  program
    .command("report")
    .description("turn a JSON report (run, dry run or undo) into one self-contained HTML page to share")
    .argument("<report.json>", "a report written by run or undo")
    .option("--html <file>", "the HTML page to write")
    .action(async (file: string, o: { html?: string }) => {
      const { reportCommand } = await import("../commands/report.js");
      result.code = await reportCommand(file, { html: o.html }, { output: ctx.output });
    });

  program
    .command("history")
    .description("what the state store records for a manifest, per portal: done, in doubt or undone")
    .argument("<manifest>", "the manifest whose state directory to read")
    .option("--json", "the records as JSON on stdout")
    .option("--state-dir <dir>", "the state directory (default .docspace-migrate/ beside the manifest)")
    .action(async (file: string, o: { json?: boolean; stateDir?: string }) => {
      const { historyCommand } = await import("../commands/state.js");
      result.code = await historyCommand(
        file,
        { json: o.json === true, stateDir: o.stateDir },
        { output: ctx.output },
      );
    });

  program
    .command("unlock")
    .description("remove a lock left by a run whose process is gone; a live run's lock is kept (exit 5)")
    .argument("<manifest>", "the manifest whose state directory to unlock")
    .option("--state-dir <dir>", "the state directory (default .docspace-migrate/ beside the manifest)")
    .action(async (file: string, o: { stateDir?: string }) => {
      const { unlockCommand } = await import("../commands/state.js");
      result.code = await unlockCommand(file, { stateDir: o.stateDir }, { output: ctx.output });
    });

  program
    .command("init")
    .description("write a commented starter manifest whose schema hint works wherever the file is")
    .option(
      "--out <file>",
      "where to write it, or - for stdout (never over an existing file)",
      "migrations.yaml",
    )
    .option(
      "--from-portal",
      "list the groups of the portal in DOCSPACE_URL (names, ids, member counts) in it; GET only",
    )
    .action(async (o: { out: string; fromPortal?: boolean }, command: Command) => {
      const { initCommand } = await import("../commands/init.js");
      if (o.fromPortal !== true) {
        result.code = await initCommand(
          { out: o.out, portal: null, portalUrl: null },
          { output: ctx.output },
        );
        return;
      }
      const globals = command.optsWithGlobals<GlobalOptions>();
      const logger = await loggerFor(ctx, globals);
      const { portalFromEnv } = await import("./wiring.js");
      const { requestLog } = await import("../engine/session.js");
      const wired = await portalFromEnv(ctx.env, {
        readOnly: true,
        settings: DEFAULT_SETTINGS,
        stop: ctx.stop,
        clock: systemClock,
        onAttempt: requestLog(logger),
      });
      if (!wired.ok) {
        ctx.output.err(`${wired.message}; nothing was written`);
        result.code = ExitCode.Usage;
        return;
      }
      for (const warning of wired.warnings) ctx.output.err(`warning: ${warning}`);
      result.code = await initCommand(
        { out: o.out, portal: wired.portal, portalUrl: wired.portal.url },
        { output: ctx.output },
      );
    });

  program
    .command("demo")
    .description("run the example manifest on a built-in sandbox seeded with the example organisation")
    .action(async (_o: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // The demo is for reading: logs only for warnings unless asked otherwise.
      const logger = await loggerFor(ctx, {
        ...globals,
        logLevel: globals.logLevel === "info" ? "warn" : globals.logLevel,
      });
      const { demoCommand } = await import("../commands/demo.js");
      result.code = await demoCommand({ output: ctx.output, logger, stop: ctx.stop, clock: systemClock });
    });

  program
    .command("sandbox")
    .description("serve the built-in DocSpace simulator on 127.0.0.1 until stopped")
    .option("--port <n>", "port (default: a free one)", integer(0, 65535), 0)
    .option("--seed <file>", "portal to load (default: examples/sandbox-portal.json)")
    .option(
      "--docspace-version <x.y.z>",
      "DocSpace server version to behave as; before 3.7.1 the move only copies",
      DEFAULT_DOCSPACE_VERSION,
    )
    .option("--latency-ms <n>", "added to every answer", integer(0), 0)
    .option("--jitter-ms <n>", "up to this much more, per request", integer(0), 0)
    .option("--fail-rate <share>", "share of 5xx answers", share, 0)
    .option("--reset-rate <share>", "share of dropped connections", share, 0)
    .option("--hang-rate <share>", "share of requests never answered", share, 0)
    .option("--envelope-error-rate <share>", 'share of 200 answers with "status": 1', share, 0)
    .option("--fault-seed <n>", "seed for the fault draws", integer(0), 1)
    .option("--rate-per-minute <n>", "sliding-window limit, 0 = off", integer(0), 1500)
    .option("--get-concurrency <n>", "concurrent GETs, 0 = off", integer(0), 50)
    .option("--write-concurrency <n>", "concurrent writes, 0 = off", integer(0), 15)
    .option("--daily-writes <n>", "POST+PUT per day, 0 = off", integer(0), 10000)
    .action(async (o: Record<string, unknown>) => {
      result.signalStops = true;
      const { sandboxCommand } = await import("../commands/sandbox.js");
      result.code = await sandboxCommand(
        {
          port: o.port as number,
          seedPath: o.seed as string | undefined,
          version: o.docspaceVersion as string,
          limits: {
            ratePerMinute: o.ratePerMinute as number,
            getConcurrency: o.getConcurrency as number,
            writeConcurrency: o.writeConcurrency as number,
            dailyWrites: o.dailyWrites as number,
          },
          faults: {
            latencyMs: o.latencyMs as number,
            jitterMs: o.jitterMs as number,
            failRate: o.failRate as number,
            resetRate: o.resetRate as number,
            hangRate: o.hangRate as number,
            envelopeErrorRate: o.envelopeErrorRate as number,
            seed: o.faultSeed as number,
          },
        },
        { env: ctx.env, output: ctx.output, stop: ctx.stop },
      );
    });

  program
    .command("snapshot")
    .description(
      "export groups, members and users from the portal in DOCSPACE_URL into a sandbox seed file (GET only)",
    )
    .requiredOption("--out <file>", "the seed file to write")
    .option("--group <id|name>", "only this group (repeatable)", collect, [])
    .option("--timeout <s>", "per-request timeout, seconds", integer(1, 600), 30)
    .option("--rooms", "also export the rooms and their shares with these groups and people (for --rooms)")
    .action(async (o: { out: string; group: string[]; timeout: number; rooms?: boolean }) => {
      // The same rate budget and retries as a run: a large portal must not trip its own limit.
      const { portalFromEnv } = await import("./wiring.js");
      const wired = await portalFromEnv(ctx.env, {
        readOnly: true,
        settings: { ...DEFAULT_SETTINGS, timeout: o.timeout },
        stop: ctx.stop,
        clock: systemClock,
      });
      if (!wired.ok) {
        ctx.output.err(wired.message);
        result.code = ExitCode.Usage;
        return;
      }
      for (const warning of wired.warnings) ctx.output.err(`warning: ${warning}`);
      const { snapshotCommand } = await import("../commands/snapshot.js");
      result.code = await snapshotCommand(
        { out: o.out, groups: o.group, rooms: o.rooms === true },
        { portal: wired.portal, output: ctx.output },
      );
    });

  for (const command of program.commands)
    command.exitOverride().configureOutput({ writeOut: ctx.writeOut, writeErr: ctx.writeErr });
  return program;
}

/** argv (without node and script) → exit code. Never throws for bad usage. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const result: { code: ExitCode; signalStops?: boolean } = { code: ExitCode.Ok };
  const program = buildProgram(ctx, result);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof Error && err.name === "LogFileError") {
      ctx.output.err(`${err.message}; nothing was sent`);
      return ExitCode.Usage;
    }
    if (err instanceof CommanderError) {
      const ok = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(err.code);
      return ok ? ExitCode.Ok : ExitCode.Usage;
    }
    throw err;
  }
  // A signal during a command that has no stop of its own (validate) still means: interrupted. The
  // sandbox is the exception: a signal is how it is meant to stop.
  if (ctx.stop.aborted && result.code === ExitCode.Ok && result.signalStops !== true)
    return ExitCode.Interrupted;
  return result.code;
}
