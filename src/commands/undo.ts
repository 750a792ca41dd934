import { resolve } from "node:path";
import { loadApiKey } from "../api/credentials.js";
import { execute } from "../engine/execute.js";
import { preview } from "../engine/preview.js";
import { identity, progressHooks, session, type SessionDeps } from "../engine/session.js";
import type { MoveIdentity } from "../state/history.js";
import { formatIssue, loadManifest, type Env } from "../manifest/check.js";
import { normalizePortalUrl } from "../manifest/portal-url.js";
import type { Manifest, MoveSpec } from "../manifest/types.js";
import { planUndo, planUndoFromJournal, type UndoStep } from "../plan/inverse.js";
import { preflight as runPreflight } from "../plan/preflight.js";
import type { ResolvedMove } from "../plan/types.js";
import { ExitCode } from "../report/exit-codes.js";
import { renderRunSummary } from "../report/render.js";
import { mapResults } from "../report/spool.js";
import {
  MoveStatus,
  RunMode,
  type MoveResult,
  type Person,
  type Report,
  type RunSettings,
} from "../report/types.js";
import { defaultReportPath, outputTargetProblem, STDOUT } from "../report/write.js";
import { readReport } from "../report/read.js";
import { readHistory } from "../state/journal.js";
import { stateDirOf } from "../state/open.js";
import { DEFAULT_SETTINGS } from "./run.js";

export interface UndoDeps extends SessionDeps {
  readonly env: Env;
}

export interface UndoFlags {
  readonly dryRun: boolean;
  readonly report?: string | undefined;
  readonly stateDir?: string | undefined;
  readonly csv?: string | undefined;
  readonly html?: string | undefined;
}

/** What to undo, where, with which key variable: from a run's report or from a manifest's journal. */
interface UndoSource {
  readonly steps: UndoStep[];
  /** The portal the report or manifest names, before DOCSPACE_URL overrides it. */
  readonly portal: string | null;
  readonly apiKeyEnv: string;
  readonly manifest: { readonly path: string; readonly sha256: string };
  readonly stateDir: string;
  readonly settings: RunSettings;
  readonly reportPath: string;
  readonly portalVersion: string | null;
  readonly behaviour: Report["behaviour"];
  /** Who the undone report described, for names of people no group holds any more. */
  readonly people: ReadonlyMap<string, Person>;
  /** What the report or journal says that undo cannot act on. */
  readonly warnings: readonly string[];
}

type Loaded = { ok: true; source: UndoSource } | { ok: false; message: string };

/**
 * `docspace-migrate undo <report.json | manifest> [--dry-run]`: puts the members of each move that
 * succeeded back where they were, last move first, through the engine that ran them: same governor,
 * concurrency, journal and progress as a run.
 */
export async function undoCommand(file: string, flags: UndoFlags, deps: UndoDeps): Promise<ExitCode> {
  const { output } = deps;
  const loaded = /\.json$/i.test(file)
    ? await fromReport(file, flags, deps.env)
    : await fromManifest(file, flags, deps);
  if (!loaded.ok) {
    output.err(`${file}: ${loaded.message}; nothing was sent`);
    return ExitCode.Usage;
  }
  const source = loaded.source;
  // The portal named by the report or journal, DOCSPACE_URL overriding it, under the manifest's https rule.
  const envUrl = deps.env.DOCSPACE_URL?.trim();
  const rawUrl = envUrl !== undefined && envUrl !== "" ? envUrl : source.portal;
  if (rawUrl === null) {
    output.err("no portal URL: set DOCSPACE_URL or portal.url in the manifest; nothing was sent");
    return ExitCode.Usage;
  }
  const url = normalizePortalUrl(rawUrl);
  if (!url.ok) {
    output.err(
      `${rawUrl === envUrl ? "DOCSPACE_URL" : "the portal the report names"}: ${url.message}; nothing was sent`,
    );
    return ExitCode.Usage;
  }
  if (source.steps.length === 0) {
    output.out("nothing to undo: no move of it moved anyone on this portal");
    return ExitCode.Ok;
  }
  const targetProblem = await outputTargetProblem(source.reportPath, flags.csv, flags.html);
  if (targetProblem !== null) {
    output.err(`${targetProblem}; nothing was sent`);
    return ExitCode.Usage;
  }
  const key = await loadApiKey(deps.env, source.apiKeyEnv);
  if (!key.ok) {
    output.err(`${key.message}; nothing was sent`);
    return ExitCode.Usage;
  }
  for (const warning of key.warnings) output.err(`warning: ${warning}`);

  const specs: MoveSpec[] = source.steps.map((s, index) => ({
    id: s.id,
    index,
    from: { kind: "id", id: s.from.id },
    to: { kind: "id", id: s.to.id },
    note: s.note,
  }));
  const done = await session(
    {
      mode: flags.dryRun ? RunMode.DryRun : RunMode.Undo,
      dryRun: flags.dryRun,
      portalUrl: url.url,
      apiKey: key.apiKey,
      settings: source.settings,
      stateDir: source.stateDir,
      manifest: source.manifest,
      reportPath: source.reportPath,
      csvPath: flags.csv,
      htmlPath: flags.html,
      specs,
      interrupted: "interrupted by a signal before anything was put back",
    },
    deps,
    async ({ portal, history, records, moveJournal, warnings, problems }) => {
      warnings.push(...source.warnings);
      // A step already undone is not checked against what its undo left (the group it deleted).
      const undone = (m: MoveIdentity): boolean => history.undone.has(records.key(m));
      const pre = await runPreflight(portal, specs, deps.stop, { settled: undone });
      problems.push(...pre.problems.map((p) => p.message));
      const input = {
        moves: specs,
        preflight: pre,
        selected: () => true,
        concurrency: source.settings.concurrency,
        alreadyDone: (m: ResolvedMove) => undone(identity(m)),
        undo: source.steps,
      };
      const lost = source.steps.flatMap((s) => s.lostGuests);
      if (lost.length > 0) {
        warnings.push(
          `${lost.length} guest(s) that the moves removed cannot be put back: DocSpace does not put guests in groups (${lost.map((id) => source.people.get(id)?.displayName ?? id).join(", ")})`,
        );
      }
      const versions = { portalVersion: source.portalVersion, behaviour: source.behaviour };
      if (flags.dryRun) {
        const planned = await preview(input, { portal, logger: deps.logger, stop: deps.stop });
        if (planned.stopped !== null) problems.push(planned.stopped.message);
        return {
          moves: mapResults(planned.moves, (m, i) =>
            describeUndo(m, source.steps[i] as UndoStep, (id) => planned.people.get(id)?.displayName ?? id),
          ),
          preflight: pre,
          stopped: planned.stopped?.kind ?? null,
          people: source.people,
          ...versions,
        };
      }
      if (pre.key.canWrite === false) problems.push(...pre.key.refusals.map((r) => `key: ${r}`));
      const result = await execute(
        { ...input, verify: true },
        {
          portal,
          logger: deps.logger,
          now: deps.clock.now,
          stop: deps.stop,
          ...(moveJournal === undefined ? {} : { journal: moveJournal }),
          ...progressHooks(deps.progress, input.moves.length),
        },
      );
      if (result.stopped !== null) problems.push(result.stopped.message);
      return {
        moves: result.moves,
        preflight: pre,
        stopped: result.stopped?.kind ?? null,
        people: source.people,
        ...versions,
      };
    },
  );
  if (!done.ok) return done.code;
  const say = source.reportPath === STDOUT ? output.err : output.out;
  for (const line of renderRunSummary(done.report, done.reportPath, true)) say(line);
  if (done.htmlPath !== null) say(`HTML: ${done.htmlPath}`);
  return done.report.exitCode as ExitCode;
}

/** The dry run's words for one step: what it would put back, from the groups as they are now. */
function describeUndo(result: MoveResult, step: UndoStep, name: (id: string) => string): MoveResult {
  if (result.status !== MoveStatus.Planned || result.before === null) return result;
  const inSource = new Set(result.before.source);
  const inDestination = new Set(result.before.destination);
  const back = step.restore.filter((id) => !inSource.has(id));
  const warnings = [
    `would put ${back.length} member(s) back into "${step.from.name}" and take ${step.removeFromDestination.filter((id) => inDestination.has(id)).length} out of "${step.to.name}"`,
  ];
  const managed = step.destinationManager;
  if (managed !== null && managed.before !== null)
    warnings.push(`would make ${name(managed.before)} the manager of "${step.to.name}" again`);
  if (step.deleteDestination)
    warnings.push(`would delete "${step.to.name}" once it is empty again (the run created it)`);
  if (step.manager !== null && result.before.sourceManager !== step.manager)
    warnings.push(`would make ${name(step.manager)} the manager of "${step.from.name}" again`);
  return { ...result, moved: back, droppedGuests: step.lostGuests, warnings };
}

async function fromReport(file: string, flags: UndoFlags, env: Env): Promise<Loaded> {
  const read = await readReport(file);
  if (!read.ok) return read;
  const original = read.report;
  const plan = planUndo(original);
  if (!plan.ok) return plan;
  // The key variable the manifest names, when the manifest is still there.
  const manifest = await loadManifest(original.manifest.path, env).catch(() => null);
  return {
    ok: true,
    source: {
      steps: plan.steps,
      portal: original.portal,
      apiKeyEnv: manifest?.manifest?.apiKeyEnv ?? "DOCSPACE_API_KEY",
      manifest: original.manifest,
      stateDir: stateDirOf(original.manifest.path, flags.stateDir),
      settings: original.settings,
      reportPath:
        flags.report ?? file.replace(/\.json$/i, "") + (flags.dryRun ? "-undo-dry-run.json" : "-undo.json"),
      portalVersion: original.portalVersion,
      behaviour: original.behaviour,
      // Reports written before `people` existed have none.
      people: new Map(Object.entries((original as Partial<Report>).people ?? {})),
      warnings: [],
    },
  };
}

async function fromManifest(file: string, flags: UndoFlags, deps: UndoDeps): Promise<Loaded> {
  const loaded = await loadManifest(file, deps.env);
  if (loaded.manifest === null) {
    for (const issue of loaded.issues) deps.output.err(formatIssue(issue));
    return { ok: false, message: "invalid manifest" };
  }
  const manifest = loaded.manifest;
  const stateDir = stateDirOf(file, flags.stateDir);
  // The portal undo will reach (DOCSPACE_URL overriding the manifest's) is the one whose moves are undone.
  const envUrl = deps.env.DOCSPACE_URL?.trim();
  const portal = envUrl !== undefined && envUrl !== "" ? envUrl : manifest.portalUrl;
  const url = portal === null ? null : normalizePortalUrl(portal);
  const history = await readHistory(stateDir);
  const origin = url?.ok === true ? new URL(url.url).origin : null;
  const steps = origin === null ? [] : planUndoFromJournal(history, origin);
  // A move in doubt may or may not have happened: a run of the manifest settles it first.
  const doubtful = [...history.inDoubt.values()].filter((r) => r.portal === origin && r.op !== "undo");
  const warnings = doubtful.map(
    (r) =>
      `move "${r.moveId}" is in doubt (a run stopped before recording its result) and is not undone: run the manifest again to settle it, then undo`,
  );
  return {
    ok: true,
    source: {
      steps,
      portal,
      apiKeyEnv: manifest.apiKeyEnv,
      manifest: { path: resolve(file), sha256: manifest.sha256 },
      stateDir,
      settings: { ...DEFAULT_SETTINGS, ...stripUndefined(runSettingsOf(manifest.settings)), verify: true },
      reportPath:
        flags.report ?? defaultReportPath(file, deps.clock.now(), flags.dryRun ? "-undo-dry-run" : "-undo"),
      portalVersion: null,
      behaviour: null,
      people: new Map(),
      warnings,
    },
  };
}

/** The manifest's settings that a report records (the guard rails are not among them). */
const runSettingsOf = ({ maxChanges: _guard, ...run }: Manifest["settings"]): Manifest["settings"] => run;

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
