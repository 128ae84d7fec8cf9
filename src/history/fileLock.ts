// A cross-process lock: a directory, because mkdir either creates it or fails with EEXIST
// atomically on every platform and file system we care about. Only fs/promises: waiting for the
// lock never blocks the event loop.
//
// A process killed while holding the lock leaves the directory behind; once its mtime is older
// than staleMs it is taken over. Taking over is itself guarded by a second directory
// (`<lockDir>.takeover`) so that two waiters can't both decide the same lock is stale, with one of
// them then deleting the fresh lock the other has just taken. (Residual risk, accepted: a holder
// legitimately holding the lock longer than staleMs, e.g. a process paused in a debugger, can be
// overtaken.)
import { mkdir, rm, rmdir, stat } from "node:fs/promises";
import * as path from "node:path";

export interface FileLockOptions {
  /** A lock directory older than this (ms) is considered left behind by a dead process. */
  staleMs: number;
  /** Mode of the lock directory, and of its parent directory when that has to be created; default 0o700. */
  dirMode?: number;
  /** Who the lock is for, as the prefix of error messages, e.g. "history". */
  owner?: string;
}

const DEFAULT_DIR_MODE = 0o700;

interface HeldLock {
  path: string;
  /** inode + mtime of the directory we created, to recognise it at release. */
  identity?: string;
}

/**
 * Runs `fn` while holding the lock `lockDir` (a directory path), and releases it afterwards,
 * whether `fn` succeeded or not. The lock's parent directory is created if it is missing.
 */
export async function withFileLock<T>(lockDir: string, opts: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(lockDir, opts);
  try {
    return await fn();
  } finally {
    await releaseLock(lock);
  }
}

async function acquireLock(lockPath: string, opts: FileLockOptions): Promise<HeldLock> {
  const { staleMs } = opts;
  const dirMode = opts.dirMode ?? DEFAULT_DIR_MODE;
  // Every lock goes stale eventually, so this only trips when the file system itself misbehaves.
  const deadline = Date.now() + Math.max(30_000, 3 * staleMs);
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lockPath, { mode: dirMode });
      return { path: lockPath, identity: await identityOf(lockPath) };
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
    if (await isStale(lockPath, staleMs)) await takeOver(lockPath, staleMs, dirMode);
    if (Date.now() > deadline) throw new Error(`${opts.owner !== undefined ? `${opts.owner}: ` : ""}timed out waiting for the lock ${lockPath}`);
    // Short and random, so that waiting processes don't retry in lock-step; grows a little while contended.
    await delay(1 + Math.random() * Math.min(25, 2 + attempt));
  }
}

async function releaseLock(lock: HeldLock): Promise<void> {
  // If we were stalled past staleMs, another process may have taken over and now holds a new
  // lock at the same path: that one isn't ours to remove.
  if (lock.identity !== undefined && (await identityOf(lock.path)) !== lock.identity) return;
  await rm(lock.path, { recursive: true, force: true });
}

async function takeOver(lockPath: string, staleMs: number, dirMode: number): Promise<void> {
  const guard = `${lockPath}.takeover`;
  try {
    await mkdir(guard, { mode: dirMode });
  } catch (err) {
    if (errorCode(err) !== "EEXIST") return;
    // A guard is held for a few milliseconds; one this old was left by a process that died taking over.
    if (await isStale(guard, staleMs)) await rmdir(guard).catch(() => undefined);
    return;
  }
  try {
    // Look again now that no one else can be taking over: the lock seen as stale may already have
    // been removed and replaced by a fresh one.
    if (await isStale(lockPath, staleMs)) await rm(lockPath, { recursive: true, force: true });
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

async function isStale(dir: string, staleMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(dir)).mtimeMs > staleMs;
  } catch {
    return false; // gone already: simply retry
  }
}

async function identityOf(dir: string): Promise<string | undefined> {
  try {
    const s = await stat(dir, { bigint: true });
    return `${s.ino}:${s.mtimeNs}`;
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
