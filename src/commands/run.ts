import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadApiKey } from "../api/credentials.js";
import { execute } from "../engine/execute.js";
import { describePreview, preview, type Preview } from "../engine/preview.js";
import { identity, progressHooks, session, type SessionDeps } from "../engine/session.js";
import { formatIssue, loadManifest, type Env } from "../manifest/check.js";
import { formatPath } from "../manifest/validate.js";
import { normalizePortalUrl } from "../manifest/portal-url.js";
import { Severity, type Issue, type Manifest, type MoveSpec } from "../manifest/types.js";
import { handedOn, peopleRead } from "../plan/group-store.js";
import { preflight as runPreflight, type MoveScope } from "../plan/preflight.js";
import { readRooms, roomImpact } from "../plan/rooms.js";
import { PortalError, type Portal } from "../portal/port.js";
import { buildPlan, checkPlan, staleGroups, type SavedPlan } from "../plan/saved-plan.js";
import { isPlannedGroup, type Preflight, type ResolvedMove } from "../plan/types.js";
import { MoveBehaviour } from "../portal/version.js";
import { ExitCode } from "../report/exit-codes.js";
import { behaviourLine, cutShort, previewBody, renderPreview, renderRunSummary } from "../report/render.js";
import { peopleLookup } from "../report/people.js";
import { notRun } from "../report/build.js";
import { mapResults } from "../report/spool.js";
import {
  MoveStatus,
  Reason,
  RunMode,
  type BeforeState,
  type MoveResult,
  type RoomsReport,
  type RunSettings,
} from "../report/types.js";
import { defaultReportPath, outputTargetProblem, STDOUT, writeJsonAtomic } from "../report/write.js";
import { settledOnPortal, type MoveIdentity } from "../state/history.js";
import { stateDirOf } from "../state/open.js";
import { TOOL } from "../version.js";

export { DEFAULT_SETTINGS } from "../manifest/types.js";
import { DEFAULT_SETTINGS } from "../manifest/types.js";

/** Flags as given; undefined = not on the command line (the manifest's settings, then defaults, apply). */
export interface RunFlags {
  readonly concurrency?: number | undefined;
  readonly rate?: number | undefined;
  readonly retries?: number | undefined;
  readonly timeout?: number | undefined;
  readonly maxWait?: number | undefined;
  readonly report?: string | undefined;
  readonly only?: readonly string[] | undefined;
  readonly exclude?: readonly string[] | undefined;
  readonly verify: boolean;
  /** Preview only: a read-only client, GET requests alone. */
  readonly dryRun?: boolean | undefined;
  /** With dryRun: save the preview as a plan file. */
  readonly planOut?: string | undefined;
  /** Execute a saved plan; pairs whose groups changed since are refused (stale-plan). */
  readonly plan?: string | undefined;
  /** Run moves the state store records as done on this portal. */
  readonly force?: boolean | undefined;
  /** Journal, history and lock; default `.docspace-migrate/` beside the manifest. */
  readonly stateDir?: string | undefined;
  /** Also write the member-level CSV here. */
  readonly csv?: string | undefined;
  /** Do not ask before a live run on a terminal. */
  readonly yes?: boolean | undefined;
  /** Refuse a live run whose preview changes the groups of more people than this. */
  readonly maxChanges?: number | undefined;
  /** Read the rooms' access rows and put the access the plan changes in the preview and the report. */
  readonly rooms?: boolean | undefined;
  /** Also write the report as a self-contained HTML page here. */
  readonly html?: string | undefined;
}

export interface RunDeps extends SessionDeps {
  readonly env: Env;
  /** The demo: a portal and key given directly instead of from the environment. */
  readonly portal?: { readonly url: string; readonly apiKey: string };
  /** Read the manifest from this file but show `manifestPath` (the demo's packaged example). */
  readonly manifestFile?: string;
  /**
   * On a terminal: shows the preview's lines and the question, and resolves true only for y/yes.
   * Absent without a terminal, where a run never asks.
   */
  readonly confirm?: (lines: readonly string[], question: string) => Promise<boolean>;
}

/** Flags override the manifest's settings, which override the defaults. */
export function resolveSettings(manifest: Pick<Manifest, "settings">, flags: RunFlags): RunSettings {
  const pick = (name: keyof typeof DEFAULT_SETTINGS): number =>
    flags[name] ?? manifest.settings[name] ?? DEFAULT_SETTINGS[name];
  return {
    concurrency: pick("concurrency"),
    rate: pick("rate"),
    retries: pick("retries"),
    timeout: pick("timeout"),
    maxWait: pick("maxWait"),
    verify: flags.verify,
  };
}

/** `docspace-migrate run <manifest>`: executes the moves and writes the report. */
export async function runCommand(manifestPath: string, flags: RunFlags, deps: RunDeps): Promise<ExitCode> {
  const { output, logger, clock } = deps;
  const { manifest, issues, locator } = await loadForRun(
    deps.manifestFile ?? manifestPath,
    manifestPath,
    deps.env,
  );
  if (manifest === null) {
    for (const issue of issues) output.err(formatIssue(issue));
    output.err(`${manifestPath}: invalid manifest; nothing was sent`);
    return ExitCode.Usage;
  }
  const manifestWarnings = issues
    .filter((i) => i.severity === Severity.Warning)
    .map((i) => formatIssue({ ...i, file: manifestPath }));

  if (flags.planOut !== undefined && flags.dryRun !== true) {
    output.err("--plan-out goes with --dry-run: a plan is a saved preview; nothing was sent");
    return ExitCode.Usage;
  }
  if (flags.plan !== undefined && flags.dryRun === true) {
    output.err("--plan executes a saved plan and cannot be combined with --dry-run; nothing was sent");
    return ExitCode.Usage;
  }
  const unknown = notIn(manifest.moves, [...(flags.only ?? []), ...(flags.exclude ?? [])]);
  if (unknown.length > 0) {
    output.err(
      `--only/--exclude name moves the manifest does not have: ${unknown.join(", ")}; nothing was sent`,
    );
    return ExitCode.Usage;
  }

  let portalUrl: string;
  let apiKey: string;
  if (deps.portal !== undefined) {
    portalUrl = deps.portal.url;
    apiKey = deps.portal.apiKey;
  } else {
    const raw = manifest.portalUrl ?? deps.env.DOCSPACE_URL;
    if (raw === undefined || raw.trim() === "") {
      output.err("no portal URL: set DOCSPACE_URL or portal.url in the manifest; nothing was sent");
      return ExitCode.Usage;
    }
    const url =
      manifest.portalUrl === null ? normalizePortalUrl(raw) : { ok: true as const, url: manifest.portalUrl };
    if (!url.ok) {
      output.err(`DOCSPACE_URL: ${url.message}; nothing was sent`);
      return ExitCode.Usage;
    }
    const key = await loadApiKey(deps.env, manifest.apiKeyEnv);
    if (!key.ok) {
      output.err(`${key.message}; nothing was sent`);
      return ExitCode.Usage;
    }
    for (const warning of key.warnings) output.err(`warning: ${warning}`);
    portalUrl = url.url;
    apiKey = key.apiKey;
  }

  const settings = resolveSettings(manifest, flags);
  const dryRun = flags.dryRun === true;
  const startedAt = clock.now();
  const reportPath = flags.report ?? defaultReportPath(manifestPath, startedAt, dryRun ? "-dry-run" : "");
  const targetProblem = await outputTargetProblem(reportPath, flags.csv, flags.html);
  if (targetProblem !== null) {
    output.err(`${targetProblem}; nothing was sent`);
    return ExitCode.Usage;
  }
  const maxChanges = flags.maxChanges ?? manifest.settings.maxChanges;
  const ask = !dryRun && flags.yes !== true && deps.confirm !== undefined;

  let savedPlan: SavedPlan | null = null;
  let moveSpecs = manifest.moves;
  if (flags.plan !== undefined) {
    const planned = await readPlan(flags.plan, {
      portal: portalUrl,
      manifestSha256: manifest.sha256,
      moveIds: manifest.moves.map((m) => m.id),
    });
    if (!planned.ok) {
      output.err(`${flags.plan}: ${planned.message}; nothing was sent`);
      return ExitCode.Usage;
    }
    savedPlan = planned.plan;
    // The plan pins the ids it resolved: names are not looked up again.
    const pinned = new Map(savedPlan.moves.map((m) => [m.id, m]));
    // A group the plan was to create is still looked up by its name (and created if still missing).
    const pin = (ref: MoveSpec["from"], id: string): MoveSpec["from"] =>
      isPlannedGroup(id) ? ref : { kind: "id", id };
    moveSpecs = manifest.moves.map((m) => {
      const pinnedMove = pinned.get(m.id);
      return pinnedMove === undefined
        ? m
        : { ...m, from: pin(m.from, pinnedMove.from.id), to: pin(m.to, pinnedMove.to.id) };
    });
  }

  const stateDir = stateDirOf(deps.manifestFile ?? manifestPath, flags.stateDir);
  // Sets: a plan or an --only list of tens of thousands of moves is checked per move in constant time.
  const only = flags.only === undefined || flags.only.length === 0 ? null : new Set(flags.only);
  const excluded = new Set(flags.exclude ?? []);
  const planned = savedPlan === null ? null : new Set(savedPlan.moves.map((m) => m.id));
  const selected = (id: string): boolean =>
    (only === null || only.has(id)) && !excluded.has(id) && (planned === null || planned.has(id));
  let names: (id: string) => string = (id) => id;

  const done = await session(
    {
      mode: dryRun ? RunMode.DryRun : RunMode.Run,
      dryRun,
      portalUrl,
      apiKey,
      settings,
      stateDir,
      // Absolute, so undo finds the state directory whatever its current directory.
      manifest: { path: resolve(deps.manifestFile ?? manifestPath), sha256: manifest.sha256 },
      reportPath,
      csvPath: flags.csv,
      htmlPath: flags.html,
      specs: moveSpecs,
      interrupted: "interrupted by a signal before any move was sent",
    },
    deps,
    async ({ portal, history, journal, records, moveJournal, warnings, problems }) => {
      warnings.push(...manifestWarnings);
      const keyOf = (m: ResolvedMove): string => records.key(identity(m));
      // What is left out, or what earlier runs did, is not refused as if it were still to do.
      const doneBefore = (m: MoveIdentity): boolean =>
        flags.force !== true && history.done.has(records.key(m));
      const scope: MoveScope = {
        selected,
        settled: doneBefore,
        inDoubt: (m) => history.inDoubt.has(records.key(m)),
      };
      let pre = located(
        await runPreflight(portal, moveSpecs, deps.stop, scope),
        manifest.path,
        locator.take(),
      );
      warnings.push(...preflightWarnings(pre, settings, dryRun));
      problems.push(...pre.problems.map((p) => p.message));
      // A move started but never recorded as finished (a crash) is judged from the groups just read.
      const recovered = new Set<string>();
      const resumed = new Map<string, BeforeState>();
      for (const m of pre.moves) {
        if (m === null) continue;
        const doubt = history.inDoubt.get(keyOf(m));
        if (doubt === undefined) continue;
        // Read (from the store's file) only for a move in doubt.
        const source = pre.groups.get(m.from.id);
        const destination = pre.groups.get(m.to.id);
        if (source === undefined || destination === undefined) continue;
        const settled = settledOnPortal(
          doubt,
          { members: source.members.map((x) => x.id), managerId: source.managerId },
          destination.members.map((x) => x.id),
          pre.behaviour !== MoveBehaviour.Copy,
          destination.managerId,
        );
        warnings.push(
          `move "${m.spec.id}" was in doubt (an earlier run stopped before recording its result); the portal shows it ${settled ? "done, so it is not sent again" : "not done, so it runs"}`,
        );
        if (settled) {
          recovered.add(keyOf(m));
          await journal?.append(records.recovered(identity(m)));
        } else if (doubt.op !== "undo" && doubt.before !== undefined) {
          resumed.set(keyOf(m), doubt.before);
        }
      }
      const alreadyDone = (m: ResolvedMove): boolean =>
        doneBefore(identity(m)) || (flags.force !== true && recovered.has(keyOf(m)));
      const stale = savedPlan === null ? new Map<string, string[]>() : staleGroups(savedPlan, pre.groups);
      let input = {
        moves: moveSpecs,
        preflight: pre,
        selected,
        concurrency: settings.concurrency,
        stale,
        alreadyDone,
        resumed: (m: ResolvedMove) => resumed.get(keyOf(m)),
      };
      if (dryRun) {
        const planned = await preview(input, { portal, logger, stop: deps.stop });
        // Only the people: the rest of the preview (its model of every group, its results) goes once
        // the report is made, not when the summary has been printed.
        const { people } = planned;
        names = (id) => people.get(id)?.displayName ?? id;
        const stopped = planned.stopped?.kind ?? null;
        if (planned.stopped !== null) problems.push(planned.stopped.message);
        const moves = describePreview(planned);
        const rooms =
          flags.rooms === true && stopped === null
            ? await roomsOf(portal, pre, planned, moves, warnings)
            : undefined;
        return {
          moves,
          preflight: pre,
          stopped,
          people: peopleLookup(people),
          ...(rooms === undefined ? {} : { rooms }),
        };
      }
      if (pre.key.canWrite === false) problems.push(...pre.key.refusals.map((r) => `key: ${r}`));
      // Before a live run: the preview, to count what it changes and to show it before asking.
      let rooms: RoomsReport | undefined;
      if (
        (maxChanges !== undefined || ask || flags.rooms === true) &&
        pre.problems.length === 0 &&
        pre.key.canWrite !== false
      ) {
        const planned = await preview(input, { portal, logger, stop: deps.stop });
        if (planned.stopped !== null) {
          problems.push(planned.stopped.message);
          return { moves: planned.moves, preflight: pre, stopped: planned.stopped.kind };
        }
        const described = describePreview(planned);
        if (flags.rooms === true) rooms = await roomsOf(portal, pre, planned, described, warnings);
        const known = peopleLookup(planned.people);
        const name = (id: string): string => known.get(id)?.displayName ?? id;
        const changes = changedPeople(described);
        const members = described.reduce(
          (n, m) => n + (m.status === MoveStatus.Planned ? m.moved.length : 0),
          0,
        );
        const toRun = described.filter((m) => m.status === MoveStatus.Planned).length;
        if (maxChanges !== undefined && changes > maxChanges) {
          for (const line of previewBody({ moves: described, warnings, problems, rooms }, name))
            output.out(line);
          problems.push(
            `the preview changes the groups of ${changes} people, more than the ${maxChanges} that --max-changes (settings.maxChanges) allows; nothing was sent`,
          );
          return {
            moves: mapResults(described, (m, i) =>
              m.status === MoveStatus.Planned
                ? {
                    ...notRun(moveSpecs[i] as MoveSpec, m, MoveStatus.NotAttempted, Reason.Preflight),
                    before: m.before,
                  }
                : m,
            ),
            preflight: pre,
            stopped: null,
            people: known,
            ...(rooms === undefined ? {} : { rooms }),
          };
        }
        if (deps.confirm !== undefined && ask && toRun > 0) {
          const yes = await deps.confirm(
            previewBody({ moves: described, warnings, problems, rooms }, name),
            `Apply ${toRun} move${toRun === 1 ? "" : "s"} (${members} member${members === 1 ? "" : "s"}) to ${portalUrl}? [y/N] `,
          );
          if (!yes) return { moves: [], preflight: pre, stopped: null, cancelled: true };
        }
      }
      // The groups go to the engine, which lets each go once its last move has finished: nothing here
      // reads them again, and the report's people are taken from them first.
      const read = peopleRead(pre);
      const groups = handedOn(pre.groups);
      pre = { ...pre, groups: new Map() };
      input = { ...input, preflight: pre };
      const result = await execute(
        { ...input, groups, verify: settings.verify },
        {
          portal,
          logger,
          now: clock.now,
          stop: deps.stop,
          ...(moveJournal === undefined ? {} : { journal: moveJournal }),
          ...progressHooks(deps.progress, input.moves.length),
        },
      );
      if (result.stopped !== null) problems.push(result.stopped.message);
      return {
        moves: result.moves,
        // Each move as resolved (its two groups, their ids) is in its result now: let go before the
        // report is made, which reads every result back and collects everyone in them.
        preflight: { ...pre, moves: [] },
        stopped: result.stopped?.kind ?? null,
        read,
        ...(rooms === undefined ? {} : { rooms }),
      };
    },
  );
  if (!done.ok) return done.code;
  const { report, preflight: pre } = done;
  let planPath: string | undefined;
  if (dryRun && flags.planOut !== undefined && pre !== null) {
    if (report.problems.length > 0) {
      const why = cutShort(report.outcome) ? `was ${report.outcome}` : "found blocking problems";
      output.err(`no plan written to ${flags.planOut}: the preview ${why}`);
    } else {
      await writeJsonAtomic(
        flags.planOut,
        buildPlan({
          tool: TOOL,
          createdAt: new Date(startedAt).toISOString(),
          portal: portalUrl,
          manifest: report.manifest,
          preflight: pre,
        }),
      );
      planPath = flags.planOut;
    }
  }
  const lines = dryRun
    ? renderPreview(
        report,
        done.reportPath,
        behaviourLine(report.portalVersion, report.behaviour),
        names,
        planPath,
        shellWord(manifestPath),
      )
    : renderRunSummary(report, done.reportPath);
  if (done.htmlPath !== null) lines.push(`HTML: ${done.htmlPath}`);
  // With the report on stdout, the summary goes to stderr.
  for (const line of lines) (reportPath === STDOUT ? output.err : output.out)(line);
  return report.exitCode as ExitCode;
}

/**
 * `--rooms`: the rooms' access rows read now (GET only), against the groups before and after the
 * preview; only the moves that will run count.
 */
async function roomsOf(
  portal: Portal,
  pre: Preflight,
  planned: Preview,
  moves: readonly MoveResult[],
  warnings: string[],
): Promise<RoomsReport | undefined> {
  let read: Awaited<ReturnType<typeof readRooms>>;
  try {
    read = await readRooms(portal, pre.groups);
  } catch (err) {
    // A key without the files scope (or a user who may not see rooms): the plan stands, without rooms.
    if (!(err instanceof PortalError) || err.httpStatus !== 403) throw err;
    warnings.push(
      `--rooms: this key may not read the rooms (${err.message}); room access is not shown. A key with files:read (or *:read) of an admin reads every room`,
    );
    return undefined;
  }
  const { rooms, groups } = read;
  const before = new Map<string, readonly string[]>();
  const after = new Map<string, readonly string[]>();
  for (const [id, group] of groups) {
    const was = group.members.map((m) => m.id);
    before.set(id, was);
    after.set(id, pre.groups.has(id) ? (planned.portal.model.group(id)?.memberIds ?? []) : was);
  }
  const running = moves.flatMap((m) =>
    m.status === MoveStatus.Planned && m.from.id !== null && m.to.id !== null
      ? [{ id: m.id, from: m.from.id, to: m.to.id }]
      : [],
  );
  return roomImpact(rooms, { moves: running, before, after });
}

/** A path as a POSIX shell reads it back: quoted when it has anything but plain characters. */
const shellWord = (text: string): string =>
  /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

type Locate = NonNullable<Manifest["locate"]>;

/**
 * The manifest as a run uses it, and apart from it the way back to lines and columns, which holds the
 * whole parse (the text and the data as read: about 250 bytes a move). The run takes that once, to
 * place the preflight's problems, and it is then let go for the rest of the run.
 */
async function loadForRun(
  file: string,
  shownPath: string,
  env: Env,
): Promise<{
  manifest: Omit<Manifest, "locate"> | null;
  issues: readonly Issue[];
  locator: { take(): Locate | undefined };
}> {
  const loaded = await loadManifest(file, env);
  let locate = loaded.manifest?.locate;
  const locator = {
    take: (): Locate | undefined => {
      const taken = locate;
      locate = undefined;
      return taken;
    },
  };
  if (loaded.manifest === null) return { manifest: null, issues: loaded.issues, locator };
  const { locate: _kept, ...manifest } = loaded.manifest;
  return { manifest: { ...manifest, path: shownPath }, issues: loaded.issues, locator };
}

/** The preflight's problems with the manifest's `file:line:col path:` before them, as validate shows. */
function located(pre: Preflight, path: string, locate: Locate | undefined): Preflight {
  if (locate === undefined || pre.problems.length === 0) return pre;
  return {
    ...pre,
    problems: pre.problems.map((p) => {
      if (p.path === undefined) return p;
      const at = locate(p.path);
      // The place says which move and side: the message's own "move "a" to:" would repeat it.
      const message = p.message.replace(/^move "[^"]*"(?: (?:from|to))?: /, "");
      return {
        ...p,
        message: `${at.file ?? path}:${at.line}:${at.column} ${formatPath(p.path)}: ${message}`,
      };
    }),
  };
}

/**
 * How many people a plan changes the groups of, each counted once per move: moved (or already in the
 * destination, which still takes them out of the source), guests dropped, managers removed.
 */
export function changedPeople(moves: readonly MoveResult[]): number {
  return moves.reduce((total, m) => {
    if (m.status !== MoveStatus.Planned) return total;
    const touched = new Set([...m.moved, ...m.alreadyInDestination, ...m.droppedGuests]);
    if (m.managerRemoved !== null) touched.add(m.managerRemoved);
    return total + touched.size;
  }, 0);
}

/** Notes from the preflight that belong in the report's warnings. */
function preflightWarnings(pre: Preflight, settings: RunSettings, dryRun: boolean): string[] {
  const warnings: string[] = [];
  if (!dryRun && !settings.verify && pre.behaviour !== MoveBehaviour.Move) {
    warnings.push(
      `--no-verify ignored: the portal reports DocSpace ${pre.portalVersion ?? "(version unknown)"}, whose move may only copy; every move is read back`,
    );
  }
  if (pre.behaviour === MoveBehaviour.Copy) {
    warnings.push(
      `DocSpace ${pre.portalVersion ?? ""} only copies members on a move (servers before v3.7.1); each move is completed by removing the moved members from the source`,
    );
  }
  warnings.push(...pre.key.notes.map((n) => `key: ${n}`));
  // A read-only key is the right key for a preview: say what a run would meet, block nothing.
  if (dryRun)
    warnings.push(
      ...pre.key.refusals.map((r) => `key: a run with this key would stop before any write: ${r}`),
    );
  return warnings;
}

async function readPlan(
  path: string,
  expected: Parameters<typeof checkPlan>[1],
): Promise<ReturnType<typeof checkPlan>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    return {
      ok: false,
      message: `cannot read the plan (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    };
  }
  return checkPlan(value, expected);
}

/**
 * The ids that no move has. (Its set of every move's id is made here, not in `run`: the run's closures
 * would keep it to the end.)
 */
function notIn(moves: readonly MoveSpec[], ids: readonly string[]): string[] {
  if (ids.length === 0) return [];
  const known = new Set(moves.map((m) => m.id));
  return ids.filter((id) => !known.has(id));
}
