import { setTimeout as sleep } from "node:timers/promises";
import { dirname, join, resolve } from "node:path";
import type { History } from "./history.js";
import { Journal } from "./journal.js";
import { acquireLock, inspectLocks, lockFileFor, type LockResult } from "./lock.js";

/** A manifest's state directory: `--state-dir` when given, else `.docspace-migrate/` beside the manifest. */
export const stateDirOf = (manifestPath: string, stateDir?: string): string =>
  stateDir ?? join(dirname(resolve(manifestPath)), ".docspace-migrate");

export type OpenState =
  | { ok: false; message: string; reason: "locked" | "unusable" | "interrupted" }
  | {
      ok: true;
      journal: Journal | null;
      /** The journal's history as read when it was opened (null: no journal, read it with readHistory). */
      history: History | null;
      warnings: string[];
      close: () => Promise<void>;
    };

/**
 * Held by a run for as long as it opens the journal (and compacts it): runs for different portals share
 * the journal, and compaction replaces the file, so no run may open it meanwhile. Not a `lock.` file:
 * `unlock` and the list of locks are about portals.
 */
export const JOURNAL_LOCK = "journal.lock";
/** How long a run waits for another to finish opening (and compacting) the journal. */
const JOURNAL_WAIT_MS = 60_000;
const JOURNAL_POLL_MS = 25;

/**
 * The lock, then the journal, of a state directory for a command that writes (run, undo). A dry run
 * takes no lock and writes no state: it gets no journal. A directory that cannot be used (no permission,
 * a dangling link) is said plainly, before anything is sent.
 */
export async function openState(
  stateDir: string,
  runId: string,
  now: () => Date,
  writes: boolean,
  /** The portal's origin: its runs exclude each other; other portals' runs may share the directory. */
  portal: string,
  wait: {
    /** How long to wait for another run opening the journal (tests shorten it). */
    readonly journalWaitMs?: number;
    /** A stop (SIGINT/SIGTERM) ends that wait: nothing was sent. */
    readonly stop?: AbortSignal;
  } = {},
): Promise<OpenState> {
  const { journalWaitMs = JOURNAL_WAIT_MS, stop } = wait;
  if (!writes)
    return { ok: true, journal: null, history: null, warnings: [], close: () => Promise.resolve() };
  const unusable = (err: unknown): OpenState => ({
    ok: false,
    reason: "unusable",
    message: `cannot use the state directory ${stateDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): fix it, or choose another with --state-dir; nothing was sent`,
  });
  let taken;
  try {
    taken = await acquireLock(stateDir, runId, now, lockFileFor(portal));
  } catch (err) {
    return unusable(err);
  }
  if (!taken.ok)
    return {
      ok: false,
      reason: "locked",
      message: `another run for ${portal} holds the lock on ${stateDir} (${taken.holder}); nothing was sent. If that run is gone, \`docspace-migrate unlock\` on this manifest removes its lock`,
    };
  let opened;
  try {
    opened = await openShared(stateDir, runId, now, lockFileFor(portal), journalWaitMs, stop);
  } catch (err) {
    await taken.release();
    return unusable(err);
  }
  if (opened === "stopped") {
    await taken.release();
    return {
      ok: false,
      reason: "interrupted",
      message: `stopped while waiting for another run to finish opening the journal (${join(stateDir, JOURNAL_LOCK)}); nothing was sent`,
    };
  }
  if (opened === null) {
    await taken.release();
    return {
      ok: false,
      reason: "locked",
      message: `another run has held ${join(stateDir, JOURNAL_LOCK)} for more than ${Math.round(journalWaitMs / 1000)} s while opening the journal (a run holds it only for that moment); nothing was sent. If no run is starting in that directory (one on another host that stopped may have left it), remove that file and run again`,
    };
  }
  const { journal, warnings, history } = opened;
  if (taken.takenOver !== null)
    warnings.unshift(`took over the lock on ${stateDir} left by a process that is gone (${taken.takenOver})`);
  return {
    ok: true,
    journal,
    history,
    warnings,
    close: async () => {
      await journal.close();
      await taken.release();
    },
  };
}

/**
 * Opens the journal under the journal lock, waiting for a run that holds it; compacted only when no other
 * portal's run is live (a live run appends to the file compaction would replace, and its records would be
 * lost). Null when the journal lock stayed held past `waitMs`; "stopped" when `stop` ended the wait.
 */
async function openShared(
  stateDir: string,
  runId: string,
  now: () => Date,
  ownLock: string,
  waitMs: number,
  stop: AbortSignal | undefined,
): Promise<Awaited<ReturnType<typeof Journal.open>> | null | "stopped"> {
  const started = Date.now();
  let held: LockResult = await acquireLock(stateDir, runId, now, JOURNAL_LOCK);
  while (!held.ok) {
    if (stop?.aborted === true) return "stopped";
    if (Date.now() - started > waitMs) return null;
    await sleep(JOURNAL_POLL_MS);
    held = await acquireLock(stateDir, runId, now, JOURNAL_LOCK);
  }
  try {
    const others = (await inspectLocks(stateDir)).filter((l) => l.file !== ownLock && l.state === "live");
    const opened = await Journal.open(stateDir, { compacting: others.length === 0 });
    // A run that died while opening the journal: what it left is whole (compaction replaces the file
    // in one rename), but say so, as for the portal's lock.
    if (held.takenOver !== null)
      opened.warnings.unshift(
        `took over ${join(stateDir, JOURNAL_LOCK)} left by a process that is gone (${held.takenOver})`,
      );
    return opened;
  } finally {
    await held.release();
  }
}
