import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { link, lstat, mkdir, open, readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";

export const LOCK_FILE = "lock";

/**
 * The lock of one portal in a state directory: runs for different portals may share a directory
 * (SPEC §4.6). Named for the portal's origin, so a person can tell the files apart.
 */
export const lockFileFor = (origin: string): string =>
  `${LOCK_FILE}.${origin.replace(/^[a-z]+:\/\//i, "").replace(/[^a-zA-Z0-9.-]/g, "_")}`;

export type LockResult =
  { ok: true; release: () => Promise<void>; takenOver: string | null } | { ok: false; holder: string };

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  runId: string;
  /** This boot of the host (Linux): a lock from an earlier boot is stale whatever its pid. */
  bootId?: string;
}

/** A takeover left behind by a crash is given up after this long. */
const TAKEOVER_STALE_MS = 10_000;

const BOOT_ID = (() => {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
})();

/** When a process started (ms since the epoch), where the system tells (Linux); null elsewhere. */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]); // field 22 of the whole line: start time in clock ticks after boot
    const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1];
    if (!Number.isFinite(ticks) || btime === undefined) return null;
    return Number(btime) * 1000 + (ticks / CLOCK_TICKS) * 1000;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;

/**
 * Whether the lock's owner still runs: same host, same boot, a valid pid that is alive, and (where the
 * system tells) a process that started before the lock was taken — not another program that reuses the pid.
 */
function ownerAlive(owner: Partial<LockOwner>): boolean {
  if (owner.host !== hostname()) return true; // another host's run: cannot be judged from here
  if (owner.bootId !== undefined && BOOT_ID !== undefined && owner.bootId !== BOOT_ID) return false;
  const pid = owner.pid;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = processStartMs(pid);
  const locked = Date.parse(owner.startedAt ?? "");
  // Clock ticks round to 10 ms and btime to a second: a margin keeps the owner itself from looking younger.
  return started === null || Number.isNaN(locked) || started <= locked + 2000;
}

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
  const info = await lstat(path).catch(() => null);
  if (info === null) return null;
  // Locks are written as regular files: anything else (a link, dangling or not) was put there by hand.
  if (!info.isFile()) throw new Error(`${path} is not a lock file (a link or a folder?); remove it`);
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
export async function acquireLock(
  stateDir: string,
  runId: string,
  now: () => Date,
  file: string = LOCK_FILE,
): Promise<LockResult> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, file);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: now().toISOString(),
    runId,
    ...(BOOT_ID === undefined ? {} : { bootId: BOOT_ID }),
  };
  const release = async (): Promise<void> => {
    await rm(path, { force: true });
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create(path, me)) return { ok: true, release, takenOver: null };
    const seen = await readOwner(path);
    if (seen === null) continue; // released meanwhile: try again
    const { owner } = seen;
    const holder = describeOwner(owner);
    const dead = owner === null || !ownerAlive(owner);
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

export interface FoundLock {
  readonly file: string;
  readonly state: "live" | "gone";
  readonly holder: string;
}

/** Every lock in a state directory (one per portal), and whether its owner still runs. */
export async function inspectLocks(stateDir: string): Promise<FoundLock[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);

  const found: FoundLock[] = [];
  for (const file of names.filter(
    (n) =>
      n === LOCK_FILE || (n.startsWith(`${LOCK_FILE}.`) && !n.endsWith(".tmp") && !n.endsWith(".takeover")),
  )) {
    const seen = await readOwner(join(stateDir, file)).catch(() => ({ text: "", owner: null }));
    if (seen === null) continue;
    const gone = seen.owner === null || !ownerAlive(seen.owner);
    found.push({ file, state: gone ? "gone" : "live", holder: describeOwner(seen.owner) });
  }
  return found;
}

/** Removes the locks of a state directory whose owners are gone (`unlock`); live owners' locks stay. */
export async function removeStaleLocks(stateDir: string): Promise<FoundLock[]> {
  const found = await inspectLocks(stateDir);
  for (const lock of found) if (lock.state === "gone") await rm(join(stateDir, lock.file), { force: true });
  return found;
}
