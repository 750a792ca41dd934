import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { basename, join } from "node:path";
import type { Logger } from "pino";
import { connect } from "../api/connect.js";
import { proxyFromEnv } from "../api/proxy.js";
import type { AttemptLog } from "../api/transport.js";
import type { Clock } from "../api/clock.js";
import { collectGarbage } from "../collect.js";
import type { MoveSpec } from "../manifest/types.js";
import { peopleRead } from "../plan/group-store.js";
import type { Preflight, ResolvedMove } from "../plan/types.js";
import type { Portal } from "../portal/port.js";
import type { MoveBehaviour } from "../portal/version.js";
import { buildReport, notRun, outcomeOf } from "../report/build.js";
import { peopleLookup, peopleOf, type PeopleKnown, type PeopleLookup } from "../report/people.js";
import { ExitCode, exitCodeFor } from "../report/exit-codes.js";
import {
  MoveStatus,
  type MoveResult,
  type RoomsReport,
  type RanBy,
  type Report,
  type RunMode,
  type RunSettings,
} from "../report/types.js";
import { csvPieces } from "../report/csv.js";
import { htmlOf, redactedJson, STDOUT, writeJsonAtomic, writeView } from "../report/write.js";
import { recorder } from "../state/history.js";
import type { History } from "../state/history.js";
import { readHistory, type Journal } from "../state/journal.js";
import { openState } from "../state/open.js";
import { TOOL } from "../version.js";
import { stopBeforeWrites, type ExecuteDeps, type MoveJournal, type StopKind } from "./execute.js";
import type { ProgressTracker } from "./progress.js";

/** What a command prints; the CLI passes the real streams, tests pass collectors. */
export interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /**
   * stdout without removing what looks like a key: only for a key the tool made itself and must show
   * (the sandbox's generated throwaway key). Every other line goes through `out`.
   */
  readonly ownKey?: (line: string) => void;
  /** stdout for data (`--report -`): written as it is, keys removed, no escaping (JSON stays JSON). */
  readonly data?: (text: string) => void;
}

/** What run and undo share: where, with what, how to report. */
export interface SessionOptions {
  readonly mode: RunMode;
  readonly dryRun: boolean;
  readonly portalUrl: string;
  readonly apiKey: string;
  readonly settings: RunSettings;
  readonly stateDir: string;
  readonly manifest: { readonly path: string; readonly sha256: string };
  readonly reportPath: string;
  /** `--csv`: the member-level CSV, beside the report. */
  readonly csvPath?: string | undefined;
  /** `--html`: the report as a self-contained page. */
  readonly htmlPath?: string | undefined;
  /** The moves as the manifest (or the undone report) names them, for results of moves that never ran. */
  readonly specs: readonly MoveSpec[];
  readonly interrupted: string;
}

export interface SessionDeps {
  readonly output: Output;
  readonly logger: Logger;
  readonly stop: AbortSignal;
  readonly clock: Clock;
  /** Told what the command does, for a progress display. */
  readonly progress?: ProgressTracker;
  readonly baseBackoffMs?: number;
  /** The environment: proxy variables, the OS user when the system cannot say. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told how many moves the session takes on, before anything else (the bin paces the heap by it). */
  readonly paceHeap?: (moves: number) => Promise<void>;
}

/** What a command's body is given: the portal, the state store, the journal's recorder. */
export interface SessionContext {
  readonly portal: Portal;
  readonly runId: string;
  readonly origin: string;
  readonly history: History;
  /** Null for a dry run: it takes no lock and writes no state. */
  readonly journal: Journal | null;
  readonly records: ReturnType<typeof recorder>;
  /** The engine's journal hook, recording started/finished for each operation. */
  readonly moveJournal: MoveJournal | undefined;
  readonly warnings: string[];
  readonly problems: string[];
}

export interface SessionBody {
  readonly moves: readonly MoveResult[];
  readonly preflight: Preflight | null;
  readonly stopped: StopKind | null;
  /** The report's portal version and behaviour, when not the preflight's. */
  readonly portalVersion?: string | null;
  readonly behaviour?: MoveBehaviour | null;
  /** The operator declined at the confirmation: nothing was sent, no report is written. */
  readonly cancelled?: boolean;
  /**
   * People the body knows beyond the preflight's reads (disabled members, an undone report's people),
   * looked up by id as the report names them.
   */
  readonly people?: PeopleLookup;
  /**
   * Who the preflight's reads described (`peopleRead`), when the body handed the groups on and the
   * preflight it returns has none.
   */
  readonly read?: PeopleKnown;
  /** `--rooms`: room access as the preview computed it. */
  readonly rooms?: RoomsReport;
}

export type SessionResult =
  | {
      readonly ok: true;
      readonly report: Report;
      readonly reportPath: string;
      readonly preflight: Preflight | null;
      /** Where the HTML view was written, when it was asked for and could be. */
      readonly htmlPath: string | null;
    }
  | { readonly ok: false; readonly code: ExitCode };

export const identity = (m: ResolvedMove) => ({ moveId: m.spec.id, from: m.from.id, to: m.to.id });

/**
 * One session of run or undo: the portal opened, the state directory locked and its journal open, the
 * body run, the report written (into the state directory when its path cannot be written), the lock
 * released. The body's reads may fail before any write: that ends it as aborted, deferred or interrupted.
 */
export async function session(
  options: SessionOptions,
  deps: SessionDeps,
  body: (ctx: SessionContext) => Promise<SessionBody>,
): Promise<SessionResult> {
  const { output, logger, clock } = deps;
  await deps.paceHeap?.(options.specs.length);
  const portal = connect({
    portal: options.portalUrl,
    apiKey: options.apiKey,
    readOnly: options.dryRun,
    settings: options.settings,
    stop: deps.stop,
    clock,
    baseBackoffMs: deps.baseBackoffMs,
    proxy: proxyFromEnv(deps.env ?? {}),
    onAttempt: requestLog(logger),
  });
  deps.progress?.watch(() => portal.counters());
  const runId = randomUUID();
  const startedAt = clock.now();
  const origin = new URL(options.portalUrl).origin;
  const warnings: string[] = [];
  const problems: string[] = [];
  // One run per state directory (exit 5); a dry run takes no lock and writes no state.
  const state = await openState(
    options.stateDir,
    runId,
    () => new Date(clock.now()),
    !options.dryRun,
    origin,
    { stop: deps.stop },
  );
  if (!state.ok) {
    output.err(state.message);
    const codes = { locked: ExitCode.Locked, unusable: ExitCode.Usage, interrupted: ExitCode.Interrupted };
    return { ok: false, code: codes[state.reason] };
  }
  warnings.push(...state.warnings);
  const { journal } = state;
  try {
    // A live run read its journal as it opened it; a dry run, which opens none, reads it here.
    const history = state.history ?? (await readHistory(options.stateDir));
    const records = recorder({ runId, portal: origin, now: clock.now });
    const moveJournal: MoveJournal | undefined =
      journal === null
        ? undefined
        : {
            started: (m, detail) => journal.append(records.started(identity(m), detail)),
            // An undo that put a move back is recorded `undone`, so a later run moves it again.
            finished: (m, r) =>
              journal.append(records.finished(identity(m), r, options.mode === "undo" ? "undo" : "move")),
            creating: (m, name) => journal.append(records.creating(identity(m), name)),
            created: (m, name, id) => journal.append(records.created(identity(m), name, id)),
          };
    logger.info(
      {
        event: "run.started",
        runId,
        mode: options.mode,
        portal: options.portalUrl,
        moves: options.specs.length,
        settings: options.settings,
      },
      `${options.mode === "undo" ? "undo" : "run"} started`,
    );
    let result: SessionBody;
    try {
      result = await body({
        portal,
        runId,
        origin,
        history,
        journal,
        records,
        moveJournal,
        warnings,
        problems,
      });
    } catch (err) {
      // Only reads happen before the engine runs: stopping here leaves the portal as it was.
      const stop = stopBeforeWrites(err, options.interrupted);
      if (stop === null) throw err;
      problems.push(stop.message);
      result = {
        moves: options.specs.map((m) => notRun(m, null, MoveStatus.NotAttempted, stop.reason)),
        preflight: null,
        stopped: stop.kind,
      };
    }
    // The run's work ends here (every move settled, its records written); what follows makes the report.
    const finishedAt = clock.now();
    if (result.cancelled === true) {
      logger.info({ event: "run.cancelled", runId }, "not confirmed: nothing was sent");
      return { ok: false, code: ExitCode.Ok };
    }
    deps.progress?.end();
    // Most of what the run held is garbage now (its groups, its moves as resolved, the pieces of every
    // request): collected at once, before the report reads every result back, rather than left for the
    // heap to grow past (a run of 100,000 moves: V8's heap 136 → 103 MB, its end no longer its peak).
    collectGarbage();
    const outcome = outcomeOf(result.moves, result.stopped);
    const counters = portal.counters();
    const report = buildReport({
      tool: { name: TOOL.name, version: TOOL.version },
      runId,
      mode: options.mode,
      portal: options.portalUrl,
      portalVersion: result.portalVersion ?? result.preflight?.portalVersion ?? null,
      behaviour: result.behaviour ?? result.preflight?.behaviour ?? null,
      manifest: options.manifest,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      settings: options.settings,
      outcome,
      exitCode: exitCodeFor(outcome),
      problems,
      warnings,
      moves: result.moves,
      counters,
      ranBy: ranBy(result.preflight, deps.env ?? {}),
      people: peopleOf(
        result.moves,
        directoryOf(result),
        result.preflight?.self?.id ?? null,
        result.rooms?.people.map((c) => c.person),
      ),
      ...(result.rooms === undefined ? {} : { rooms: result.rooms }),
    });
    const reportPath = await writeReport(options, report, output);
    if (options.csvPath !== undefined)
      await writeView(options.csvPath, "the CSV", () => csvPieces(report), output.err);
    const htmlPath =
      options.htmlPath !== undefined &&
      (await writeView(options.htmlPath, "the HTML report", () => htmlOf(report), output.err))
        ? options.htmlPath
        : null;
    logger.info(
      {
        event: "run.finished",
        runId,
        outcome,
        exitCode: report.exitCode,
        report: reportPath,
        summary: report.summary,
      },
      `${options.mode === "undo" ? "undo" : "run"} finished`,
    );
    return { ok: true, report, reportPath, preflight: result.preflight, htmlPath };
  } finally {
    await state.close();
  }
}

/** `--log-level debug`: a line per request (method, path, status, attempt, milliseconds), never the key. */
export function requestLog(logger: Logger): ((entry: AttemptLog) => void) | undefined {
  if (!logger.isLevelEnabled("debug")) return undefined;
  return (entry) => {
    logger.debug(
      { event: "http.request", ...entry },
      `${entry.method} ${entry.path} → ${entry.status ?? entry.failure ?? "?"} in ${entry.ms} ms (attempt ${entry.attempt})`,
    );
  };
}

/** The engine's hooks that keep a progress display current; call when the operations begin. */
export function progressHooks(
  progress: ProgressTracker | undefined,
  total: number,
): Pick<ExecuteDeps, "onProgress" | "onWrite"> {
  if (progress === undefined) return {};
  progress.begin(total);
  return {
    onProgress: (_done, _total, result) => {
      progress.finished(result);
    },
    onWrite: () => {
      progress.wrote();
    },
  };
}

/**
 * Everyone the session's reads described, for the report's `people`: the preflight's reads first (the
 * last read of a person wins), then what the body knows.
 */
function directoryOf(result: SessionBody): PeopleLookup {
  const read = result.read ?? (result.preflight === null ? new Map() : peopleRead(result.preflight));
  return peopleLookup(read, result.people);
}

/** The account and machine the tool ran as, and the key's user. */
function ranBy(preflight: Preflight | null, env: Readonly<Record<string, string | undefined>>): RanBy {
  let osUser: string | null;
  try {
    osUser = userInfo().username;
  } catch {
    // No passwd entry for this uid (containers): the environment's word, if any.
    osUser = env.USER ?? env.USERNAME ?? null;
  }
  const self = preflight?.self ?? null;
  return {
    osUser,
    host: hostname(),
    keyUser: self === null ? null : { id: self.id, displayName: self.displayName },
  };
}

/**
 * The report at its path; when that cannot be written (after writes were sent, the report must exist),
 * in the state directory instead, saying so.
 */
async function writeReport(options: SessionOptions, report: Report, output: Output): Promise<string> {
  if (options.reportPath === STDOUT) {
    const write = output.data ?? output.out;
    for (const piece of redactedJson(report)) write(piece);
    return "stdout";
  }
  try {
    await writeJsonAtomic(options.reportPath, report);
    return options.reportPath;
  } catch (err) {
    const fallback = join(
      options.stateDir,
      "reports",
      basename(options.reportPath) || `${report.runId}.json`,
    );
    await writeJsonAtomic(fallback, report);
    output.err(
      `cannot write the report to ${options.reportPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it was written to ${fallback}`,
    );
    return fallback;
  }
}
