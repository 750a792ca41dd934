import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { link, mkdir, open, readFile, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";

export const LOCK_FILE = "lock";

export type LockResult =
  { ok: true; release: () => Promise<void>; takenOver: string | null } | { ok: false; holder: string };

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  runId: string;
}

/** A takeover left behind by a crash is given up after this long. */
const TAKEOVER_STALE_MS = 10_000;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Creates the lock file with its content in one step: written beside it, then hard-linked into place
 * (which fails when the lock exists), so no reader ever sees a lock file half written.
 */
async function create(path: string, owner: LockOwner): Promise<boolean> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

async function readOwner(path: string): Promise<{ text: string; owner: Partial<LockOwner> | null } | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    return { text: "", owner: null };
  }
  try {
    const owner = JSON.parse(text) as unknown;
    return {
      text,
      owner: owner !== null && typeof owner === "object" ? owner : null,
    };
  } catch {
    return { text, owner: null };
  }
}

const describeOwner = (owner: Partial<LockOwner> | null): string =>
  owner === null
    ? "an empty or unreadable lock file"
    : `pid ${String(owner.pid)} on ${String(owner.host)}, since ${String(owner.startedAt)}`;

/**
 * One run per state directory: the lock file is created exclusively. A lock whose process is gone (same
 * host, pid not running), and an empty or unreadable one (only a crash leaves one: locks are written
 * whole), is taken over at once. Racers for a stale lock take turns through a takeover directory created
 * exclusively, and the one inside re-reads the lock before replacing it, so exactly one of them wins.
 */
export async function acquireLock(stateDir: string, runId: string, now: () => Date): Promise<LockResult> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: now().toISOString(), runId };
  const release = async (): Promise<void> => {
    await rm(path, { force: true });
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create(path, me)) return { ok: true, release, takenOver: null };
    const seen = await readOwner(path);
    if (seen === null) continue; // released meanwhile: try again
    const { owner } = seen;
    const holder = describeOwner(owner);
    const dead =
      owner === null || (owner.host === me.host && typeof owner.pid === "number" && !alive(owner.pid));
    if (!dead) return { ok: false, holder };

    const turn = `${path}.takeover`;
    try {
      await mkdir(turn);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // Another run is taking over; one left by a crash long ago is cleared for the next try.
      const age = now().getTime() - (await stat(turn).catch(() => ({ mtimeMs: now().getTime() }))).mtimeMs;
      if (age <= TAKEOVER_STALE_MS) return { ok: false, holder: "another run taking over a stale lock" };
      await rm(turn, { recursive: true, force: true });
      continue;
    }
    try {
      const again = await readOwner(path);
      if (again !== null && again.text !== seen.text) {
        return { ok: false, holder: describeOwner(again.owner) };
      }
      await rm(path, { force: true });
      return (await create(path, me)) ? { ok: true, release, takenOver: holder } : { ok: false, holder };
    } finally {
      await rmdir(turn).catch(() => undefined);
    }
  }
  return { ok: false, holder: "a lock that kept changing" };
}
