// The dialogs of our calls in progress, on disk, so that a host killed mid-call (kill -9, a
// crash, a power cut) can have them ended by the next one: nothing else would tell the far end,
// which keeps the call until its own timers give up (baresip: never, without session timers).
//
// Why a BYE from the next host rather than SIP session timers (RFC 4028): with timers the far
// end would drop the call by itself, but only if it and every proxy implement them, and only
// after a refresh interval (90 s at least). A BYE needs nothing of the far end beyond RFC 3261.
// To send one, the dialog's state is enough (RFC 3261 12.2.1.1): Call-ID, tags, URIs, the remote
// target, the route set and a CSeq above the last one used.
//
// One file per host process (live-dialogs/<pid>-<token>.json, beside the history): two VS Code
// windows each run a host on the same folder, and each writes only its own file, so neither
// can clobber the other's calls. A file is another host's leftover only once its process is
// known to be gone (pid and start time, as the history lock judges its holders); a live
// window's calls are never touched. Each file is replaced atomically (temporary file, fsync,
// rename): a kill mid-write leaves the previous version, never half a file.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";
import * as path from "node:path";
import { processIsGone, thisProcess, type ProcessIdentity } from "../history/fileLock";
import { errorCode, replaceFile } from "../history/journalFile";
import { messageOf } from "../util/text";

/** What ending one dialog takes (RFC 3261 12.2.1.1), and whose it is. */
export interface LiveDialog {
  /** Our call id (the history entry's). */
  callId: string;
  accountId: string;
  sipCallId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  /** The far end's Contact: the BYE's Request-URI. */
  remoteTarget: string;
  /** Route header values, in the order they are sent. */
  routeSet: string[];
  /** The last CSeq we used in the dialog when it was written (0: none yet). */
  localCSeq: number;
  establishedAt: number;
}

interface LiveDialogFile {
  version: 1;
  owner: ProcessIdentity;
  dialogs: LiveDialog[];
}

/** A dialog left by a host that is gone, and the file it came from. */
export interface Leftover {
  file: string;
  dialog: LiveDialog;
}

export const LIVE_DIALOGS_DIR = "live-dialogs";
const DIR_MODE = 0o700;

export class LiveDialogStore {
  readonly dir: string;
  private readonly file: string;
  private readonly dialogs = new Map<string, LiveDialog>();
  /** Writes of our file, one after another, so the last state wins. */
  private writes: Promise<void> = Promise.resolve();

  constructor(historyDir: string) {
    this.dir = path.join(historyDir, LIVE_DIALOGS_DIR);
    this.file = path.join(this.dir, `${process.pid}-${randomBytes(4).toString("hex")}.json`);
  }

  /** A call of ours is established: keep its dialog until forget(). */
  remember(dialog: LiveDialog): Promise<void> {
    this.dialogs.set(dialog.callId, dialog);
    return this.save();
  }

  /** The call ended (by either side): nothing to end later. */
  forget(callId: string): Promise<void> {
    if (!this.dialogs.delete(callId)) return this.writes;
    return this.save();
  }

  private save(): Promise<void> {
    const dialogs = [...this.dialogs.values()];
    this.writes = this.writes.then(async () => {
      if (dialogs.length === 0) {
        await unlink(this.file).catch((err) => (errorCode(err) === "ENOENT" ? undefined : Promise.reject(err)));
        return;
      }
      await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
      const content: LiveDialogFile = { version: 1, owner: await thisProcess(), dialogs };
      await replaceFile(this.file, JSON.stringify(content) + "\n");
    });
    const done = this.writes;
    this.writes = done.catch(() => undefined);
    return done;
  }

  /**
   * The dialogs of `accountId` left by hosts that are gone. A file that cannot be read as ours
   * is moved aside (name + ".bad", kept for a person to look at) and reported in `problems`;
   * the other files are read as usual.
   */
  async leftovers(accountId: string): Promise<{ leftovers: Leftover[]; problems: string[] }> {
    const leftovers: Leftover[] = [];
    const problems: string[] = [];
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (errorCode(err) === "ENOENT") return { leftovers, problems };
      throw err;
    }
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const file = path.join(this.dir, name);
      if (file === this.file) continue;
      const parsed = parseLiveDialogFile(await readFile(file, "utf8").catch(() => ""));
      if (typeof parsed === "string") {
        problems.push(`${name}: ${parsed}; moved aside as ${name}.bad`);
        await rename(file, `${file}.bad`).catch((err) => problems.push(`${name}: could not move it aside: ${messageOf(err)}`));
        continue;
      }
      if (!(await processIsGone(parsed.owner))) continue; // another window's calls, still running
      for (const dialog of parsed.dialogs) if (dialog.accountId === accountId) leftovers.push({ file, dialog });
    }
    return { leftovers, problems };
  }

  /**
   * A leftover dialog was dealt with: take it out of its file (the file goes once empty). Two
   * hosts starting together may both end the same leftover; the far end answers the second BYE
   * 481, which harms nothing.
   */
  async drop(leftover: Leftover): Promise<void> {
    const parsed = parseLiveDialogFile(await readFile(leftover.file, "utf8").catch(() => ""));
    if (typeof parsed === "string") return; // gone meanwhile (another host dropped the last one)
    const rest = parsed.dialogs.filter((d) => d.callId !== leftover.dialog.callId);
    if (rest.length === 0) await unlink(leftover.file).catch(() => undefined);
    else await replaceFile(leftover.file, JSON.stringify({ ...parsed, dialogs: rest }) + "\n");
  }
}

/** A live-dialogs file's content, or why it isn't one. Entries that aren't dialogs are left out. */
export function parseLiveDialogFile(text: string): LiveDialogFile | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.trim() === "" ? "empty" : "not JSON";
  }
  const v = value as Partial<LiveDialogFile> | null;
  if (typeof v !== "object" || v === null || v.version !== 1) return "not a live-dialogs file (version 1)";
  const o = v.owner as Partial<ProcessIdentity> | undefined;
  if (typeof o !== "object" || o === null || typeof o.pid !== "number" || typeof o.host !== "string") return "no owner process";
  if (!Array.isArray(v.dialogs)) return "no dialogs";
  return { version: 1, owner: o as ProcessIdentity, dialogs: v.dialogs.filter(isLiveDialog) };
}

function isLiveDialog(value: unknown): value is LiveDialog {
  if (typeof value !== "object" || value === null) return false;
  const d = value as Record<string, unknown>;
  const strings = ["callId", "accountId", "sipCallId", "localTag", "remoteTag", "localUri", "remoteUri", "remoteTarget"] as const;
  return (
    strings.every((k) => typeof d[k] === "string" && d[k] !== "") &&
    Array.isArray(d.routeSet) &&
    d.routeSet.every((r) => typeof r === "string") &&
    Number.isInteger(d.localCSeq) &&
    (d.localCSeq as number) >= 0 &&
    typeof d.establishedAt === "number"
  );
}
