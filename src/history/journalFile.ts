// Journal files as history and messages keep them: one whole line per append (fsynced before
// the caller goes on), and whole-file replacement by rename (content synced first) for
// compaction. Called under the journal's cross-process lock (fileLock.ts). Only fs/promises.
import { open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import * as path from "node:path";

/** Journals hold phone numbers, names and messages: readable by the user only. */
export const FILE_MODE = 0o600;

/** Identifies one version of the journal: any write, truncation or replacement changes it. */
export interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export async function fileVersion(file: string): Promise<FileVersion | undefined> {
  try {
    const s = await stat(file);
    return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
  } catch (err) {
    if (errorCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Appends `line` as one write. Called under the lock. Returns the journal's version just before
 * and just after the write, so the store can tell whether its copy in memory is still the file.
 *
 * Should the journal have been replaced while we wrote (a compaction by a holder that had lost
 * the lock while paused, and went on), the line went into the old file: it is written again to
 * the journal as it now is. A record read twice is harmless: reading folds a call's records by
 * id and keeps the first of each.
 */
export async function appendLine(file: string, line: string): Promise<{ before: FileVersion; after: FileVersion }> {
  for (let attempt = 0; ; attempt++) {
    const written = await appendOnce(file, line);
    const now = await fileVersion(file);
    if (now?.ino === written.after.ino || attempt >= 3) return written;
  }
}

async function appendOnce(file: string, line: string): Promise<{ before: FileVersion; after: FileVersion }> {
  const handle = await open(file, "a+", FILE_MODE);
  try {
    const st = await handle.stat();
    const size = st.size;
    const before = { ino: st.ino, size, mtimeMs: st.mtimeMs };
    let data = Buffer.from(line, "utf8");
    if (size > 0) {
      // A writer that died mid-write leaves a line without its newline; gluing our record onto
      // it would corrupt ours too. Start on a fresh line instead (the stub is skipped on read).
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) data = Buffer.concat([Buffer.from("\n"), data]);
    }
    // O_APPEND: the write lands at the end whatever the position; loop only on a short write.
    let written = 0;
    while (written < data.length) written += (await handle.write(data, written, data.length - written)).bytesWritten;
    // On disk before the call goes on: a crash or power cut right after must not lose the record.
    await handle.datasync();
    const end = await handle.stat();
    return { before, after: { ino: end.ino, size: end.size, mtimeMs: end.mtimeMs } };
  } finally {
    await handle.close();
  }
}

/** A journal as read for compaction, kept open so that what others append to it meanwhile can be carried over. */
export interface JournalSnapshot {
  /** The whole lines read (a line still being written at the end is left out). */
  text: string;
  version: FileVersion;
  /** Bytes of the file `text` covers. */
  bytes: number;
  close(): Promise<void>;
  /** Whatever was appended to this file (the inode read, even once replaced) after `text`. */
  rest(): Promise<Buffer>;
}

/** Opens the journal for compaction; undefined when there is none. */
export async function readJournalSnapshot(file: string): Promise<JournalSnapshot | undefined> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    if (errorCode(err) === "ENOENT") return undefined;
    throw err;
  }
  try {
    const st = await handle.stat();
    const all = await handle.readFile();
    const bytes = all.lastIndexOf(0x0a) + 1;
    const h = handle;
    return {
      text: all.subarray(0, bytes).toString("utf8"),
      version: { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs },
      bytes,
      close: () => h.close(),
      rest: async () => {
        const size = (await h.stat()).size;
        if (size <= bytes) return Buffer.alloc(0);
        const buf = Buffer.alloc(size - bytes);
        let got = 0;
        while (got < buf.length) {
          const { bytesRead } = await h.read(buf, got, buf.length - got, bytes + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Replaces the journal read as `snapshot` by `content` (what compaction keeps of it), unless the
 * journal changed since it was read or `held()` says the lock was lost meanwhile (a paused holder
 * that was overtaken): then nothing is replaced and false is returned. Lines that still reach the
 * old file around the rename (by a writer that had taken the lock over) are carried over into
 * the new one, so compaction never loses a record.
 */
export async function replaceJournal(file: string, snapshot: JournalSnapshot, content: string, held: () => Promise<boolean>): Promise<boolean> {
  return replaceFile(file, content, async () => {
    const now = await fileVersion(file);
    return now !== undefined && sameVersion(now, snapshot.version) && (await held());
  }).then(async (replaced) => {
    if (!replaced) return false;
    const rest = await snapshot.rest();
    // Whole lines only reach the file, one per write; a line cut short at the end comes along
    // as it is and is skipped when read, like any stub.
    for (const line of rest.toString("utf8").split(/(?<=\n)/)) if (line.trim() !== "") await appendLine(file, line.endsWith("\n") ? line : line + "\n");
    return true;
  });
}

/** Replaces `file` atomically: readers see the old content or the new, never a half-written file. */
export async function replaceFile(file: string, content: string): Promise<void>;
/** As above, but only if `mayReplace()`, asked once the new content is on disk, says so; true if replaced. */
export async function replaceFile(file: string, content: string, mayReplace: () => Promise<boolean>): Promise<boolean>;
export async function replaceFile(file: string, content: string, mayReplace?: () => Promise<boolean>): Promise<boolean | void> {
  await removeLeftoverTemps(file);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  // The new content is on disk before the rename makes it the journal: otherwise a crash just
  // after could leave an empty journal where the old one was.
  try {
    const handle = await open(temp, "w", FILE_MODE);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (mayReplace && !(await mayReplace())) {
      await unlink(temp).catch(() => undefined);
      return false;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temp, file);
        return mayReplace ? true : undefined;
      } catch (err) {
        // Windows refuses to replace a file another process is reading at that instant.
        if (attempt >= 5 || !["EPERM", "EACCES", "EBUSY"].includes(errorCode(err) ?? "")) throw err;
        await delay(10 + Math.random() * 40);
      }
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}


/** A journal's text; "" when there is none yet. */
export async function readJournalText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if (errorCode(err) === "ENOENT") return "";
    throw err;
  }
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A temporary file this old belongs to no replacement still under way, whoever wrote it. */
const LEFTOVER_AGE_MS = 10 * 60 * 1000;

/**
 * Temporary files of replacements that never finished — their writer was killed between writing
 * and renaming — are removed: those of processes that no longer run, and any older than ten
 * minutes (a pid may have been reused). Best effort: a file that cannot be judged stays.
 */
export async function removeLeftoverTemps(file: string, now = Date.now()): Promise<string[]> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.[a-z0-9]*\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    const full = path.join(dir, name);
    const old = await stat(full).then((s) => now - s.mtimeMs > LEFTOVER_AGE_MS, () => false);
    if (pid === process.pid && !old) continue;
    if (!old && processRuns(pid)) continue;
    await unlink(full).then(() => removed.push(name), () => undefined);
  }
  return removed;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
