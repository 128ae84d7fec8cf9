// A cross-process lock: a directory, because mkdir either creates it or fails with EEXIST
// atomically on every platform and file system we care about. Only fs/promises: waiting for the
// lock never blocks the event loop.
//
// Right after creating the directory the holder writes an `owner` file into it: its pid, host,
// boot id, pid namespace, the process's start time and a random token. A waiter then judges a
// lock it finds:
//   • its holder is gone (same host and boot, and the pid no longer exists or now belongs to a
//     process started at another time) → taken over at once, whatever the clocks say;
//   • otherwise → taken over once the waiter has seen that very lock (same token) unchanged for
//     staleMs on the monotonic clock: a holder paused (debugger, SIGSTOP) or hung that long.
//     Wall-clock steps don't count either way: a lock whose mtime lies in the future is not
//     "fresh forever", and a clock jumping forward doesn't make a live holder's lock look old;
//   • a lock without an owner file (made by an older version, or a holder that died between
//     mkdir and writing it) is also stale once its mtime is more than staleMs in the past.
// Taking over is guarded by a second directory (`<lockDir>.takeover`) so that two waiters can't
// both decide the same lock is stale, with one of them then deleting the fresh lock the other
// has just taken.
//
// A holder overtaken while paused may resume and go on writing. Release then leaves the new
// holder's lock alone (the token isn't ours), and `held()` lets the holder check before a step
// that would destroy others' writes (a compaction's rename); appends stay safe regardless (see
// journalFile.ts).
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

export interface FileLockOptions {
  /**
   * A lock whose holder is alive is taken over once a waiter has seen it unchanged this long (ms);
   * an ownerless lock also once its mtime is this old.
   */
  staleMs: number;
  /** Mode of the lock directory, and of its parent directory when that has to be created; default 0o700. */
  dirMode?: number;
  /** Who the lock is for, as the prefix of error messages, e.g. "history". */
  owner?: string;
}

/** What the function run under the lock can ask. */
export interface HeldFileLock {
  /** Whether the lock is still ours: false once another process has taken it over. */
  held(): Promise<boolean>;
}

const DEFAULT_DIR_MODE = 0o700;
const OWNER_FILE = "owner";

/** Who holds a lock, as written in its owner file. */
interface LockOwner {
  token: string;
  pid: number;
  host: string;
  /** Linux boot id: a pid from another boot means nothing. */
  boot?: string;
  /** Linux pid namespace: a pid from another namespace (container, sandbox) can't be checked here. */
  pidns?: string;
  /** The process's start time (clock ticks since boot, Linux): tells a reused pid from the holder. */
  started?: string;
}

/**
 * Runs `fn` while holding the lock `lockDir` (a directory path), and releases it afterwards,
 * whether `fn` succeeded or not. The lock's parent directory is created if it is missing.
 */
export async function withFileLock<T>(lockDir: string, opts: FileLockOptions, fn: (lock: HeldFileLock) => Promise<T>): Promise<T> {
  const token = await acquireLock(lockDir, opts);
  try {
    return await fn({ held: async () => (await readOwner(lockDir))?.token === token });
  } finally {
    await releaseLock(lockDir, token);
  }
}

/** A lock as one waiter has seen it, and since when (monotonic ms). */
interface Sighting {
  key: string;
  since: number;
}

async function acquireLock(lockPath: string, opts: FileLockOptions): Promise<string> {
  const { staleMs } = opts;
  const dirMode = opts.dirMode ?? DEFAULT_DIR_MODE;
  const me = await whoAmI();
  // Monotonic: a wall clock jumping forward must not make a waiter give up on a live lock.
  // Every lock goes stale eventually, so this only trips when the file system itself misbehaves.
  const deadline = performance.now() + Math.max(30_000, 3 * staleMs);
  const sightings = new Map<string, Sighting>();
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lockPath, { mode: dirMode });
      const token = randomBytes(12).toString("hex");
      try {
        await writeFile(path.join(lockPath, OWNER_FILE), JSON.stringify({ ...me, token } satisfies LockOwner), { mode: 0o600 });
      } catch (err) {
        await rm(lockPath, { recursive: true, force: true }).catch(() => undefined);
        throw err;
      }
      return token;
    } catch (err) {
      const code = errorCode(err);
      if (code === "ENOENT") {
        // The lock's directory (e.g. the history directory) doesn't exist (yet, or any more):
        // create it and try again at once.
        await mkdir(path.dirname(lockPath), { recursive: true, mode: dirMode });
        continue;
      }
      if (code !== "EEXIST") throw err;
    }
    const stale = await staleKey(lockPath, staleMs, sightings);
    if (stale !== undefined) await takeOver(lockPath, stale, staleMs, dirMode, sightings);
    if (performance.now() > deadline) throw new Error(`${opts.owner !== undefined ? `${opts.owner}: ` : ""}timed out waiting for the lock ${lockPath}`);
    // Short and random, so that waiting processes don't retry in lock-step; grows a little while contended.
    await delay(1 + Math.random() * Math.min(25, 2 + attempt));
  }
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  // If we were stalled past staleMs, another process may have taken over and now holds a new
  // lock at the same path: that one isn't ours to remove.
  if ((await readOwner(lockPath))?.token !== token) return;
  await rm(lockPath, { recursive: true, force: true });
}

/**
 * The key of the lock (or guard) at `dir` if it is stale now, else undefined. `sightings`
 * remembers, per path, which lock this waiter saw first and when.
 */
async function staleKey(dir: string, staleMs: number, sightings: Map<string, Sighting>): Promise<string | undefined> {
  const seen = await inspect(dir);
  if (seen === undefined) return undefined; // gone already: simply retry
  const now = performance.now();
  let sighting = sightings.get(dir);
  if (sighting?.key !== seen.key) sightings.set(dir, (sighting = { key: seen.key, since: now }));
  const watched = now - sighting.since;
  if (seen.owner !== undefined && (await holderIsGone(seen.owner))) return seen.key;
  if (watched >= staleMs) return seen.key;
  // Without an owner, the mtime is all there is. A short look first: a holder writes its owner
  // file right after mkdir, and a clock step at that instant must not hand its lock away.
  if (seen.owner === undefined && watched >= Math.min(staleMs, 200) && Date.now() - seen.mtimeMs > staleMs) return seen.key;
  return undefined;
}

async function takeOver(lockPath: string, staleKeySeen: string, staleMs: number, dirMode: number, sightings: Map<string, Sighting>): Promise<void> {
  const guard = `${lockPath}.takeover`;
  try {
    await mkdir(guard, { mode: dirMode });
  } catch (err) {
    if (errorCode(err) !== "EEXIST") return;
    // A guard is held for a few milliseconds; one seen this long was left by a process that died taking over.
    const staleGuard = await staleKey(guard, staleMs, sightings);
    if (staleGuard !== undefined && (await inspect(guard))?.key === staleGuard) await rm(guard, { recursive: true, force: true }).catch(() => undefined);
    return;
  }
  try {
    // Look again now that no one else can be taking over: the lock judged stale may already have
    // been released and replaced by a fresh one, which is not ours to remove.
    if ((await inspect(lockPath))?.key === staleKeySeen) await rm(lockPath, { recursive: true, force: true });
  } finally {
    await rm(guard, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A lock directory as found: its owner (if it has written one), a key naming this very lock, its mtime. */
async function inspect(dir: string): Promise<{ owner?: LockOwner; key: string; mtimeMs: number } | undefined> {
  let s;
  try {
    s = await stat(dir, { bigint: true });
  } catch {
    return undefined;
  }
  const owner = await readOwner(dir);
  // The owner's token names the lock; without one, the directory's inode and change time do
  // (writing the owner file changes them, so an ownerless sighting never matches an owned one).
  const key = owner !== undefined ? `token:${owner.token}` : `dir:${s.ino}:${s.ctimeNs}`;
  return { owner, key, mtimeMs: Number(s.mtimeMs) };
}

async function readOwner(dir: string): Promise<LockOwner | undefined> {
  try {
    const o = JSON.parse(await readFile(path.join(dir, OWNER_FILE), "utf8")) as Partial<LockOwner>;
    if (typeof o !== "object" || o === null || typeof o.token !== "string" || typeof o.pid !== "number" || typeof o.host !== "string") return undefined;
    return o as LockOwner;
  } catch {
    return undefined; // none (yet), or unreadable: judged by time
  }
}

/** A process as a lock owner names it (also used to judge other files a process leaves behind). */
export type ProcessIdentity = Omit<LockOwner, "token">;

/** This process, as other processes will judge it (see processIsGone). */
export function thisProcess(): Promise<ProcessIdentity> {
  return whoAmI();
}

/** True only when we can tell for sure that the process `owner` names no longer runs. */
export function processIsGone(owner: ProcessIdentity): Promise<boolean> {
  return holderIsGone(owner);
}

/** True only when we can tell for sure that the lock's holder no longer runs. */
async function holderIsGone(owner: ProcessIdentity): Promise<boolean> {
  const me = await whoAmI();
  if (owner.host !== me.host) return false; // a shared file system: another machine's pids mean nothing here
  if (owner.boot !== undefined && me.boot !== undefined && owner.boot !== me.boot) return true; // rebooted since
  if (owner.pidns !== me.pidns) return false; // another pid namespace (or unknown): can't check its pid
  if (owner.pid === process.pid) return owner.started !== undefined && me.started !== undefined && owner.started !== me.started;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    return errorCode(err) === "ESRCH"; // EPERM: it exists, just not ours to signal
  }
  // The pid exists; it's the holder unless it started at another time (the pid was reused).
  if (owner.started === undefined) return false;
  const started = await processStart(owner.pid);
  return started !== undefined && started !== owner.started;
}

let identity: Promise<Omit<LockOwner, "token">> | undefined;

function whoAmI(): Promise<Omit<LockOwner, "token">> {
  identity ??= (async () => {
    const [boot, pidns, started] = await Promise.all([
      readFile("/proc/sys/kernel/random/boot_id", "utf8").then((t) => t.trim(), () => undefined),
      readlink("/proc/self/ns/pid").catch(() => undefined),
      processStart(process.pid),
    ]);
    return { pid: process.pid, host: os.hostname(), boot, pidns, started };
  })();
  return identity;
}

/** When process `pid` started (Linux: field 22 of /proc/<pid>/stat, ticks since boot); undefined elsewhere. */
async function processStart(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
