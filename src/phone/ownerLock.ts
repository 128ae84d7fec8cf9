// Which extension host owns the phone: the one whose record is in `phone-owner.json` in the
// extension's global storage (one per user and machine, shared by every VS Code window), and
// whose process still runs. The record also says where the owner listens (a Unix socket or a
// Windows named pipe) and the token a window must show to be let in; the file is readable only
// by this user. No network port is involved. Free of `vscode`.
//
// Claiming: create the file exclusively. If it exists and its process is gone (killed, crashed,
// the machine rebooted), replace it by rename — atomic — and read it back after a moment: two
// windows that both found the dead record both rename, and the one whose record is not there
// afterwards stands down. An owner also re-reads the file now and then (stillOurs) and stands
// down if another has taken it, so even a claim delayed past that moment heals.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { processIsGone, thisProcess, type ProcessIdentity } from "../history/fileLock";

export const OWNER_FILE = "phone-owner.json";

export interface OwnerRecord extends ProcessIdentity {
  /** Shown by a window in its hello. */
  token: string;
  /** Where the owner listens. */
  endpoint: string;
  /** When it claimed (ms since the epoch), for logs. */
  since: number;
}

/** How long a claim waits before reading its record back (two windows racing over a dead owner). */
const SETTLE_MS = 150;
/** A record still being written (empty or cut short) is someone's claim in progress for at most this long. */
const PARTIAL_GRACE_MS = 2000;

export class OwnerLock {
  readonly file: string;
  private mine?: OwnerRecord;

  constructor(
    private readonly dir: string,
    private readonly endpoint = localEndpoint(dir),
  ) {
    this.file = path.join(dir, OWNER_FILE);
  }

  /** Our record if we now own the phone; undefined when a live owner holds it. */
  async claim(): Promise<OwnerRecord | undefined> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const record: OwnerRecord = { ...(await thisProcess()), token: randomBytes(24).toString("base64url"), endpoint: this.endpoint, since: Date.now() };
    const text = JSON.stringify(record);
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await writeFile(this.file, text, { flag: "wx", mode: 0o600 });
        this.mine = record;
        return record;
      } catch (err) {
        if (codeOf(err) !== "EEXIST") throw err;
      }
      const holder = await this.holder();
      if (!holder) {
        // Being written right now, or left half-written by a process that died mid-write.
        const age = await stat(this.file).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age < PARTIAL_GRACE_MS) {
          await delay(50);
          continue;
        }
      } else if (!(await processIsGone(holder))) {
        return undefined;
      }
      // The holder is gone: take its place, then make sure no other window did the same.
      const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      const still = await this.holder();
      if (holder && still?.token !== holder.token) {
        await rm(tmp, { force: true });
        continue; // someone else replaced it meanwhile: judge the new one
      }
      await rename(tmp, this.file);
      await delay(SETTLE_MS);
      if ((await this.holder())?.token === record.token) {
        this.mine = record;
        return record;
      }
    }
    return undefined;
  }

  /** A record for a phone that cannot be shared (the storage folder is unusable): nothing is written. */
  async standalone(): Promise<OwnerRecord> {
    return { ...(await thisProcess()), token: randomBytes(24).toString("base64url"), endpoint: this.endpoint, since: Date.now() };
  }

  /** The record in the file, if it is a whole one. */
  async holder(): Promise<OwnerRecord | undefined> {
    try {
      const r = JSON.parse(await readFile(this.file, "utf8")) as Partial<OwnerRecord>;
      if (typeof r !== "object" || r === null || typeof r.token !== "string" || typeof r.endpoint !== "string" || typeof r.pid !== "number" || typeof r.host !== "string") return undefined;
      return r as OwnerRecord;
    } catch {
      return undefined;
    }
  }

  /** Whether a live process holds the phone (and which). */
  async liveHolder(): Promise<OwnerRecord | undefined> {
    const h = await this.holder();
    return h && !(await processIsGone(h)) ? h : undefined;
  }

  /** Whether the file still names us (false once another window has taken over). */
  async stillOurs(): Promise<boolean> {
    return this.mine !== undefined && (await this.holder())?.token === this.mine.token;
  }

  /**
   * The owner's look at the file: still "ours", "taken" by another window, or "gone" (deleted,
   * say by someone cleaning the storage folder) — then it is written again, so that windows
   * opened later link to us instead of starting a second phone.
   */
  async check(): Promise<"ours" | "taken"> {
    if (!this.mine) return "taken";
    const holder = await this.holder();
    if (holder?.token === this.mine.token) return "ours";
    if (holder) return "taken";
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(this.file, JSON.stringify(this.mine), { flag: "wx", mode: 0o600 });
      return "ours";
    } catch {
      // Someone wrote it meanwhile (or it is half-written): judge again at the next look.
      return (await this.holder())?.token === this.mine.token || !(await this.holder()) ? "ours" : "taken";
    }
  }

  /** Give the phone up: the file goes only if it is still ours. */
  async release(): Promise<void> {
    if (await this.stillOurs()) await rm(this.file, { force: true });
    this.mine = undefined;
  }
}

/**
 * Where the owner listens. Unix: a socket in the storage folder when its path fits (sun_path is
 * 104 bytes on macOS, 108 on Linux), else one in the temp folder named after the storage folder.
 * Windows: a named pipe, likewise named (pipes live in their own namespace, not on disk).
 */
export function localEndpoint(dir: string, platform: NodeJS.Platform = process.platform, tmpdir = os.tmpdir()): string {
  const hash = createHash("sha256").update(dir).digest("hex").slice(0, 20);
  if (platform === "win32") return `\\\\.\\pipe\\softphone-${hash}`;
  const inStorage = path.join(dir, "phone.sock");
  if (Buffer.byteLength(inStorage) <= MAX_SOCKET_PATH) return inStorage;
  return path.join(tmpdir, `softphone-${hash}.sock`);
}

/** The shortest sun_path of the Unix systems we run on (macOS: 104, with its terminating NUL). */
export const MAX_SOCKET_PATH = 103;

function codeOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
