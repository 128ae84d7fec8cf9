// Journal files as history and messages keep them: one whole line per append (fsynced before
// the caller goes on), and whole-file replacement by rename (content synced first) for
// compaction. Called under the journal's cross-process lock (fileLock.ts). Only fs/promises.
import { open, readFile, rename, stat, unlink } from "node:fs/promises";

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
 */
export async function appendLine(file: string, line: string): Promise<{ before: FileVersion; after: FileVersion }> {
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

/** Replaces `file` atomically: readers see the old content or the new, never a half-written file. */
export async function replaceFile(file: string, content: string): Promise<void> {
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
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temp, file);
        return;
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
