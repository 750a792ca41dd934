import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { default as addFormats } from "ajv-formats";
import type { Logger } from "pino";
import { loadApiKey } from "../api/credentials.js";
import type { GroupDto } from "../api/dto.js";
import { ApiError } from "../api/http-error.js";
import { ExitCode, exitCodeFor } from "../cli/exit-codes.js";
import { renderRunSummary } from "../cli/render.js";
import { notRun, StopKind, stopBeforeWrites } from "../engine/execute.js";
import type { Clock } from "../engine/governor.js";
import { classify, isUnreachable, Verdict } from "../engine/retry-policy.js";
import { InterruptedError, send, SendError, type SendContext } from "../engine/send.js";
import type { Env } from "../manifest/check.js";
import { normalizePortalUrl } from "../manifest/portal-url.js";
import type { MoveSpec } from "../manifest/types.js";
import { preflight as runPreflight, snapshotOf } from "../plan/preflight.js";
import type { GroupSnapshot } from "../plan/types.js";
import { planUndo, type UndoStep } from "../plan/undo.js";
import { buildReport, outcomeOf } from "../report/build.js";
import { MoveStatus, Reason, RunMode, type MoveResult, type Report } from "../report/types.js";
import { writeJsonAtomic } from "../report/write.js";
import { reportSchema } from "../schemas.js";
import { recorder } from "../state/history.js";
import { openState } from "../state/open.js";
import { TOOL } from "../version.js";
import { connect } from "./connect.js";
import type { Output } from "./io.js";

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
const validReport = ajv.compile<Report>(reportSchema);

export interface UndoDeps {
  readonly env: Env;
  readonly output: Output;
  readonly logger: Logger;
  readonly stop: AbortSignal;
  readonly clock: Clock;
  readonly baseBackoffMs?: number;
}

const names = (ids: readonly string[], members: readonly { id: string; displayName: string }[]): string =>
  ids.map((id) => members.find((m) => m.id === id)?.displayName ?? id).join(", ");

/**
 * `docspace-migrate undo <report.json> [--dry-run]`: puts the members of each move that succeeded back
 * where they were, last move first, from the report's own record of them.
 */
export async function undoCommand(
  reportFile: string,
  flags: { dryRun: boolean; report?: string | undefined; stateDir?: string | undefined },
  deps: UndoDeps,
): Promise<ExitCode> {
  const { output, logger, clock } = deps;
  let original: unknown;
  try {
    original = JSON.parse(await readFile(reportFile, "utf8"));
  } catch (err) {
    output.err(
      `${reportFile}: cannot read it as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was sent`,
    );
    return ExitCode.Usage;
  }
  if (!validReport(original)) {
    output.err(`${reportFile}: not a docspace-migrate report (schema/report.schema.json); nothing was sent`);
    return ExitCode.Usage;
  }
  const plan = planUndo(original);
  if (!plan.ok) {
    output.err(`${reportFile}: ${plan.message}; nothing was sent`);
    return ExitCode.Usage;
  }
  const envUrl = deps.env.DOCSPACE_URL;
  if (envUrl !== undefined && envUrl.trim() !== "") {
    const url = normalizePortalUrl(envUrl);
    if (!url.ok || url.url !== original.portal) {
      output.err(
        `the report is for ${original.portal}, but DOCSPACE_URL names another portal; nothing was sent`,
      );
      return ExitCode.Usage;
    }
  }
  const key = await loadApiKey(deps.env);
  if (!key.ok) {
    output.err(`${key.message}; nothing was sent`);
    return ExitCode.Usage;
  }

  const settings = original.settings;
  const ctx = connect({
    portal: original.portal,
    apiKey: key.apiKey,
    readOnly: flags.dryRun,
    settings,
    stop: deps.stop,
    clock,
    baseBackoffMs: deps.baseBackoffMs,
  });
  const runId = randomUUID();
  const startedAt = clock.now();
  const origin = new URL(original.portal).origin;
  const stateDir = flags.stateDir ?? join(dirname(original.manifest.path), ".docspace-migrate");
  const warnings: string[] = [];
  // One run per state directory (exit 5); a dry run takes no lock and writes no state.
  const state = await openState(stateDir, runId, () => new Date(clock.now()), !flags.dryRun);
  if (!state.ok) {
    output.err(state.message);
    return ExitCode.Locked;
  }
  if (state.warning !== null) warnings.push(state.warning);
  const { journal } = state;
  const records = recorder({ runId, portal: origin, now: clock.now });
  try {
    logger.info(
      { event: "run.started", runId, mode: "undo", portal: original.portal, moves: plan.steps.length },
      "undo started",
    );
    const problems: string[] = [];
    let stopped: StopKind | null = null;
    let results: MoveResult[] = [];
    // The preflight of a run, over the groups involved: version, key, and each group read once.
    const specs: MoveSpec[] = plan.steps.map((s, index) => specOf(s, index));
    try {
      const pre = await runPreflight(ctx, specs);
      problems.push(...pre.problems.map((p) => p.message));
      if (!flags.dryRun && pre.key.canWrite === false) {
        problems.push(...pre.key.refusals.map((r) => `key: ${r}`));
        stopped = StopKind.Aborted;
      }
      const state = new Map(pre.groups);
      for (const step of plan.steps) {
        if (problems.length > 0) {
          results.push(
            notRun(
              specs[results.length] as MoveSpec,
              null,
              MoveStatus.NotAttempted,
              stopped === null ? Reason.Preflight : Reason.Aborted,
            ),
          );
          continue;
        }
        if (stopped !== null) {
          results.push(
            notRun(
              specs[results.length] as MoveSpec,
              null,
              MoveStatus.NotAttempted,
              stopped === StopKind.Interrupted ? Reason.Interrupted : Reason.Aborted,
            ),
          );
          continue;
        }
        const outcome = flags.dryRun ? previewStep(step, state) : await undoStep(step, state, ctx, logger);
        results.push(outcome.result);
        if (outcome.stop !== null) {
          stopped = outcome.stop.kind;
          problems.push(outcome.stop.message);
        }
        if (!flags.dryRun && outcome.result.status === MoveStatus.Succeeded) {
          // The move is no longer done: a later run of the manifest will move these members again.
          await journal?.append(
            records.finished({ moveId: step.move.id, from: step.from.id, to: step.to.id }, "undone", null),
          );
        }
      }
    } catch (err) {
      const stop = stopBeforeWrites(err, "interrupted by a signal before anything was put back");
      if (stop === null) throw err;
      problems.push(stop.message);
      stopped = stop.kind;
      results = specs.map((s) => notRun(s, null, MoveStatus.NotAttempted, stop.reason));
    }
    const lost = plan.steps.flatMap((s) => s.lostGuests);
    if (lost.length > 0) {
      warnings.push(
        `${lost.length} guest(s) that the moves removed cannot be put back: DocSpace does not put guests in groups (${lost.join(", ")})`,
      );
    }
    const outcome = outcomeOf(results, stopped);
    const report = buildReport({
      tool: { name: TOOL.name, version: TOOL.version },
      runId,
      mode: flags.dryRun ? RunMode.DryRun : RunMode.Undo,
      portal: original.portal,
      portalVersion: original.portalVersion,
      behaviour: original.behaviour,
      manifest: original.manifest,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(clock.now()).toISOString(),
      settings,
      outcome,
      exitCode: exitCodeFor(outcome),
      problems,
      warnings,
      moves: results,
      counters: {
        requests: ctx.governor.stats.requests,
        retries: ctx.counters.retries,
        rateLimited: ctx.governor.stats.rateLimited,
      },
    });
    const reportPath =
      flags.report ??
      reportFile.replace(/\.json$/i, "") + (flags.dryRun ? "-undo-dry-run.json" : "-undo.json");
    await writeJsonAtomic(reportPath, report);
    logger.info(
      { event: "run.finished", runId, outcome, exitCode: report.exitCode, report: reportPath },
      "undo finished",
    );
    for (const line of renderRunSummary(report, reportPath)) output.out(line);
    return report.exitCode as ExitCode;
  } finally {
    await state.close();
  }
}

interface StepOutcome {
  readonly result: MoveResult;
  readonly stop: { kind: StopKind; message: string } | null;
}

/** The step as a manifest move, by id (names may have changed since the run). */
const specOf = (step: UndoStep, index = 0): MoveSpec => ({
  id: step.move.id,
  index,
  from: { kind: "id", id: step.from.id },
  to: { kind: "id", id: step.to.id },
  note: step.move.note,
});

function base(
  step: UndoStep,
  status: MoveStatus,
  source: GroupSnapshot,
  destination: GroupSnapshot,
): MoveResult {
  const spec = specOf(step);
  return {
    ...notRun(spec, { spec, from: step.from, to: step.to }, status, Reason.Preflight),
    reason: null,
    before: {
      source: source.members.map((m) => m.id),
      destination: destination.members.map((m) => m.id),
      sourceManager: source.managerId,
    },
  };
}

/** The dry run of one step: what would change, from the groups as they are now. */
function previewStep(step: UndoStep, state: ReadonlyMap<string, GroupSnapshot>): StepOutcome {
  const source = state.get(step.from.id) as GroupSnapshot;
  const destination = state.get(step.to.id) as GroupSnapshot;
  const inSource = new Set(source.members.map((m) => m.id));
  const inDestination = new Set(destination.members.map((m) => m.id));
  const warnings = [
    `would put ${step.restore.filter((id) => !inSource.has(id)).length} member(s) back into "${step.from.name}" and take ${step.removeFromDestination.filter((id) => inDestination.has(id)).length} out of "${step.to.name}"`,
  ];
  if (step.manager !== null && source.managerId !== step.manager)
    warnings.push(`would make ${step.manager} the manager of "${step.from.name}" again`);
  return {
    result: {
      ...base(step, MoveStatus.Planned, source, destination),
      moved: step.restore.filter((id) => !inSource.has(id)),
      droppedGuests: step.lostGuests,
      warnings,
    },
    stop: null,
  };
}

/** Puts one move back: re-add to the source, take out of the destination, restore the manager; checked from the answers. */
async function undoStep(
  step: UndoStep,
  state: Map<string, GroupSnapshot>,
  ctx: SendContext,
  logger: Logger,
): Promise<StepOutcome> {
  const log = logger.child({ move: step.move.id });
  let source = state.get(step.from.id) as GroupSnapshot;
  let destination = state.get(step.to.id) as GroupSnapshot;
  const start = base(step, MoveStatus.Failed, source, destination);
  let attempts = 0;
  const call = async (method: "PUT" | "DELETE", path: string, body: unknown): Promise<GroupSnapshot> => {
    const sent = await send<GroupDto>(ctx, { method, path, body });
    attempts += sent.attempts;
    return snapshotOf(sent.result.response);
  };
  try {
    log.info(
      { event: "move.started", from: step.from.id, to: step.to.id },
      `putting back ${step.to.name} → ${step.from.name}`,
    );
    if (step.restore.length > 0)
      source = await call("PUT", `/api/2.0/group/${step.from.id}/members`, { members: step.restore });
    if (step.removeFromDestination.length > 0) {
      destination = await call("DELETE", `/api/2.0/group/${step.to.id}/members`, {
        members: step.removeFromDestination,
      });
    }
    if (step.manager !== null)
      source = await call("PUT", `/api/2.0/group/${step.from.id}/manager`, { userId: step.manager });
  } catch (err) {
    const cause = err instanceof SendError ? err.cause : err;
    attempts += err instanceof SendError ? err.attempts : 0;
    if (cause instanceof InterruptedError) {
      return {
        result: {
          ...start,
          attempts,
          reason: Reason.Interrupted,
          error: { kind: "interrupted", message: cause.message, httpStatus: null },
        },
        stop: { kind: StopKind.Interrupted, message: "interrupted by a signal" },
      };
    }
    if (!(cause instanceof ApiError)) throw cause;
    const fatal = classify(cause, ctx.policy) === Verdict.Abort || isUnreachable(cause);
    const result: MoveResult = {
      ...start,
      attempts,
      reason: Reason.HttpError,
      httpStatus: cause.httpStatus,
      error: { kind: cause.kind, message: cause.message, httpStatus: cause.httpStatus },
    };
    log.warn({ event: "move.failed", httpStatus: cause.httpStatus }, cause.message);
    return {
      result,
      stop: fatal ? { kind: StopKind.Aborted, message: `undo of "${step.move.id}": ${cause.message}` } : null,
    };
  }
  state.set(step.from.id, source);
  state.set(step.to.id, destination);
  const inSource = new Set(source.members.map((m) => m.id));
  const missing = step.restore.filter((id) => !inSource.has(id));
  const stillThere = step.removeFromDestination.filter((id) => destination.members.some((m) => m.id === id));
  const managerOk = step.manager === null || source.managerId === step.manager;
  const warnings =
    step.lostGuests.length > 0
      ? [
          `${step.lostGuests.length} guest(s) cannot be put back into "${step.from.name}" (DocSpace does not put guests in groups)`,
        ]
      : [];
  if (missing.length > 0 || stillThere.length > 0 || !managerOk) {
    const message = [
      missing.length > 0
        ? `${missing.length} member(s) could not be put back into "${step.from.name}" (disabled or removed since?): ${missing.join(", ")}`
        : "",
      stillThere.length > 0
        ? `${stillThere.length} member(s) are still in "${step.to.name}": ${names(stillThere, destination.members)}`
        : "",
      managerOk ? "" : `the manager of "${step.from.name}" is not restored`,
    ]
      .filter((s) => s !== "")
      .join("; ");
    log.warn({ event: "move.failed", reason: "unverified" }, message);
    return {
      result: {
        ...start,
        attempts,
        reason: Reason.Unverified,
        moved: step.restore.filter((id) => inSource.has(id)),
        warnings,
        error: { kind: "unverified", message, httpStatus: null },
      },
      stop: null,
    };
  }
  log.info({ event: "move.succeeded" }, "put back");
  return {
    result: {
      ...start,
      status: MoveStatus.Succeeded,
      attempts,
      httpStatus: 200,
      moved: step.restore,
      managerRemoved: null,
      droppedGuests: step.lostGuests,
      verified: true,
      warnings,
    },
    stop: null,
  };
}
