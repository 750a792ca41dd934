import { hostname } from "node:os";
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
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

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

async function create(path: string, owner: LockOwner): Promise<boolean> {
  try {
    const handle = await open(path, "wx", 0o600);
    try {
      await handle.writeFile(JSON.stringify(owner));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/**
 * One run per state directory: the lock file is created exclusively. A lock whose process is
 * gone (same host, pid not running) is taken over; so is an unreadable one more than a minute old (a
 * crash while writing it). Anything else means another run holds it.
 */
export async function acquireLock(stateDir: string, runId: string, now: () => Date): Promise<LockResult> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: now().toISOString(), runId };
  const release = async (): Promise<void> => {
    await rm(path, { force: true });
  };
  if (await create(path, me)) return { ok: true, release, takenOver: null };

  let owner: Partial<LockOwner> | null = null;
  try {
    owner = JSON.parse(await readFile(path, "utf8")) as Partial<LockOwner>;
  } catch {
    owner = null;
  }
  const holder =
    owner === null
      ? "an unreadable lock file"
      : `pid ${String(owner.pid)} on ${String(owner.host)}, since ${String(owner.startedAt)}`;
  const dead =
    owner === null
      ? now().getTime() - (await stat(path)).mtimeMs > 60_000
      : owner.host === me.host && typeof owner.pid === "number" && !alive(owner.pid);
  if (!dead) return { ok: false, holder };
  await rm(path, { force: true });
  return (await create(path, me)) ? { ok: true, release, takenOver: holder } : { ok: false, holder };
}
