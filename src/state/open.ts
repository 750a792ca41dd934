import { Journal } from "./journal.js";
import { acquireLock } from "./lock.js";

export type OpenState =
  | { ok: false; message: string }
  | { ok: true; journal: Journal | null; warning: string | null; close: () => Promise<void> };

/**
 * The lock, then the journal, of a state directory for a command that writes (run, undo). A dry run
 * takes no lock and writes no state: it gets no journal.
 */
export async function openState(
  stateDir: string,
  runId: string,
  now: () => Date,
  writes: boolean,
): Promise<OpenState> {
  if (!writes) return { ok: true, journal: null, warning: null, close: () => Promise.resolve() };
  const taken = await acquireLock(stateDir, runId, now);
  if (!taken.ok)
    return {
      ok: false,
      message: `another run holds the lock on ${stateDir} (${taken.holder}); nothing was sent`,
    };
  const journal = await Journal.open(stateDir);
  return {
    ok: true,
    journal,
    warning:
      taken.takenOver === null
        ? null
        : `took over the lock on ${stateDir} left by a process that is gone (${taken.takenOver})`,
    close: async () => {
      await journal.close();
      await taken.release();
    },
  };
}
