import { dirname, join, resolve } from "node:path";
import { Journal } from "./journal.js";
import { acquireLock, lockFileFor } from "./lock.js";

/** A manifest's state directory: `--state-dir` when given, else `.docspace-migrate/` beside the manifest. */
export const stateDirOf = (manifestPath: string, stateDir?: string): string =>
  stateDir ?? join(dirname(resolve(manifestPath)), ".docspace-migrate");

export type OpenState =
  | { ok: false; message: string; reason: "locked" | "unusable" }
  | { ok: true; journal: Journal | null; warnings: string[]; close: () => Promise<void> };

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
): Promise<OpenState> {
  if (!writes) return { ok: true, journal: null, warnings: [], close: () => Promise.resolve() };
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
    opened = await Journal.open(stateDir);
  } catch (err) {
    await taken.release();
    return unusable(err);
  }
  const { journal, warnings } = opened;
  if (taken.takenOver !== null)
    warnings.unshift(`took over the lock on ${stateDir} left by a process that is gone (${taken.takenOver})`);
  return {
    ok: true,
    journal,
    warnings,
    close: async () => {
      await journal.close();
      await taken.release();
    },
  };
}
