// Call history on disk. Three promises shape the design:
//   • it survives restarts, and a crash mid-call still leaves an entry → every call is written when
//     it starts, again when answered and when it ends, as separate records;
//   • two VS Code windows (two extension hosts, two processes) may write the same file at the
//     same moment without losing anything → an append-only JSON-lines journal, each append made
//     under a cross-process lock (an atomic `mkdir`, see fileLock.ts) as one write of one whole line;
//   • nothing blocks the extension host → only fs/promises, never *Sync.
//
// The journal's records, and how reading folds them into calls, are in journal.ts. The journal is
// compacted under the lock once it grows past ~2000 lines, by writing the kept lines to a
// temporary file and renaming it over the journal, so a reader (which takes no lock) always sees
// either the old or the new file, never a mix.
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import type { HistoryEntry } from "../protocol/model";
import { Emitter } from "../util/emitter";
import { type FileLockOptions, type HeldFileLock, withFileLock } from "./fileLock";
import { appendLine, FILE_MODE, fileVersion, readJournalSnapshot, readJournalText, replaceJournal, sameVersion, type FileVersion } from "./journalFile";
import {
  type HistoryEnd,
  type HistoryStart,
  type JournalRecord,
  type ParsedRecord,
  SHORTEST_LINE_BYTES,
  checkEnd,
  checkId,
  checkStart,
  checkTime,
  countLines,
  foldCalls,
  formatRecord,
  keptLines,
  parseJournal,
  toEntry,
} from "./journal";

export type { HistoryEnd, HistoryStart } from "./journal";

export interface HistoryStoreOptions {
  /** Calls kept by compaction and returned by list() by default; default 500. */
  maxEntries?: number;
  /** A lock directory older than this is considered left behind by a dead process; default 10 s. */
  lockStaleMs?: number;
  /** Journal length (lines) that triggers compaction; default 2000. Lowered by tests. */
  compactAtLines?: number;
}

const JOURNAL_FILE = "history.jsonl";
const LOCK_DIR = "history.lock";
const DEFAULT_MAX_ENTRIES = 500;
const DEFAULT_LOCK_STALE_MS = 10_000;
const DEFAULT_COMPACT_AT_LINES = 2000;
const DEFAULT_RECENT_TARGETS = 10;
const DIR_MODE = 0o700;

export class HistoryStore {
  /** The journal file. */
  readonly path: string;
  private readonly lockPath: string;
  private readonly maxEntries: number;
  private readonly lockOptions: FileLockOptions;
  private readonly compactAtLines: number;
  /** Calls started through this instance that haven't ended: not "interrupted", just not over yet. */
  private readonly running = new Set<string>();
  /** This instance's writes, chained so its records land in the order they were made even when callers don't await. */
  private writes: Promise<unknown> = Promise.resolve();
  /** Journal size when its lines were last counted; drives the compaction check without re-reading on every append. */
  private counted?: { bytes: number; lines: number };
  private skipped = 0;
  /**
   * The journal as last read, and which version of the file that was. The file stays the record
   * (other windows write it too); this saves re-reading it while it has not changed, and our own
   * appends are added here as they are written.
   */
  private cache: { version: FileVersion; records: ParsedRecord[]; skipped: number } | undefined;
  private readonly _onDidChange = new Emitter<void>();
  /**
   * Fires after a write has reached the file (a record appended, the journal cleared). Views
   * that show history re-read on this, not on call state changes: a call clears before its end
   * record is written, and a view pushed in between would keep showing it as interrupted.
   */
  readonly onDidChange = this._onDidChange.event;

  constructor(dir: string, opts: HistoryStoreOptions = {}) {
    this.path = path.join(dir, JOURNAL_FILE);
    this.lockPath = path.join(dir, LOCK_DIR);
    this.maxEntries = positiveInteger(opts.maxEntries, DEFAULT_MAX_ENTRIES);
    this.lockOptions = { staleMs: positiveInteger(opts.lockStaleMs, DEFAULT_LOCK_STALE_MS), dirMode: DIR_MODE, owner: "history" };
    // A call takes up to 3 lines, so a compacted journal holds up to 3 × maxEntries lines. The
    // threshold must stay well above that, or every append would rewrite the whole file.
    this.compactAtLines = Math.max(positiveInteger(opts.compactAtLines, DEFAULT_COMPACT_AT_LINES), 4 * this.maxEntries);
  }

  /** Corrupt journal lines skipped by the most recent read. */
  get skippedLines(): number {
    return this.skipped;
  }

  async recordStart(e: HistoryStart): Promise<void> {
    const entry = checkStart(e);
    this.running.add(entry.id);
    await this.append({ op: "start", entry });
  }

  async recordAnswer(id: string, at: number): Promise<void> {
    checkId(id);
    checkTime(at, "at");
    await this.append({ op: "answer", id, at });
  }

  async recordEnd(id: string, end: HistoryEnd): Promise<void> {
    checkId(id);
    const record = checkEnd(id, end);
    // Over even if the write below fails: the call must not read as running forever.
    this.running.delete(id);
    await this.append(record);
  }

  /** Calls, newest first; at most `limit` (default maxEntries). */
  async list(limit: number = this.maxEntries): Promise<HistoryEntry[]> {
    const count = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : this.maxEntries;
    const journal = await this.records();
    this.skipped = journal.skipped;
    return foldCalls(journal.records)
      .slice(0, count)
      .map((call) => toEntry(call, this.running));
  }

  /** Distinct remote URIs, most recently called first, for the dial box's suggestions. */
  async recentTargets(limit: number = DEFAULT_RECENT_TARGETS): Promise<string[]> {
    return recentTargetsOf(await this.list(), limit);
  }

  /** Forgets every call, including ones still running: their later records are ignored. */
  async clear(): Promise<void> {
    await this.enqueue(async () => {
      await writeFile(this.path, "", { mode: FILE_MODE });
      this.counted = { bytes: 0, lines: 0 };
      this.cache = undefined;
    });
    this._onDidChange.fire();
  }

  private async append(record: JournalRecord): Promise<void> {
    const line = formatRecord(record);
    await this.enqueue(async (lock) => {
      const { before, after } = await appendLine(this.path, line);
      const cache = this.cache;
      // Our line went onto exactly the file we hold in memory: hold the line too. Otherwise
      // someone else wrote meanwhile, and the next read takes the file as it is.
      if (cache && sameVersion(cache.version, before)) {
        cache.records.push({ record, line });
        cache.version = after;
      } else this.cache = undefined;
      // The record is safely written by now, so a failed compaction must not fail the call's
      // recording; the journal is still long next time, so the next append tries again.
      await this.compactIfLong(after.size, lock).catch(() => undefined);
    });
    this._onDidChange.fire();
  }

  /** Runs `write` after this instance's earlier writes, holding the cross-process lock. */
  private enqueue(write: (lock: HeldFileLock) => Promise<void>): Promise<void> {
    const run = this.writes.then(() => withFileLock(this.lockPath, this.lockOptions, write));
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Called under the lock with the journal's new size. */
  private async compactIfLong(bytes: number, lock: HeldFileLock): Promise<void> {
    const counted = this.counted;
    // Between counts, estimate the line count from the growth in bytes; other windows append
    // too, so only the file's size (not our own appends) tells how long it really is.
    const shrunk = counted === undefined || bytes < counted.bytes;
    // A handful of lines says little about their average length; assume short ones until a
    // larger count, so the estimate errs towards counting again early rather than late.
    const bytesPerLine = counted && counted.lines >= 20 ? counted.bytes / counted.lines : SHORTEST_LINE_BYTES;
    if (!shrunk && counted.lines + (bytes - counted.bytes) / bytesPerLine <= this.compactAtLines) return;

    const snapshot = await readJournalSnapshot(this.path);
    if (snapshot === undefined) return;
    try {
      const text = snapshot.text;
      const lines = countLines(text);
      if (lines <= this.compactAtLines) {
        this.counted = { bytes: snapshot.bytes, lines };
        return;
      }
      const journal = parseJournal(text);
      const kept = keptLines(journal.records, this.maxEntries, this.running, Date.now());
      // Not if we were overtaken while paused (another process holds the lock and may be
      // appending) or the journal changed since read: the next append tries again.
      if (!(await replaceJournal(this.path, snapshot, kept.join(""), () => lock.held()))) return;
      const content = kept.join("");
      this.counted = { bytes: Buffer.byteLength(content), lines: kept.length };
      this.cache = undefined;
    } finally {
      await snapshot.close();
    }
  }

  /** The journal's records: from memory while the file is the version we hold, else read afresh. */
  private async records(): Promise<{ records: ParsedRecord[]; skipped: number }> {
    const version = await fileVersion(this.path);
    if (this.cache && version && sameVersion(this.cache.version, version)) return this.cache;
    const text = await this.readJournal();
    const parsed = parseJournal(text);
    // Only a version that matches what was read may be cached: a write between the stat and
    // the read makes the next call read again.
    const now = await fileVersion(this.path);
    this.cache = version && now && sameVersion(version, now) ? { version, ...parsed } : undefined;
    return parsed;
  }

  private readJournal(): Promise<string> {
    return readJournalText(this.path);
  }
}

/** Distinct remote URIs of `entries` (newest first), at most `limit`. */
export function recentTargetsOf(entries: HistoryEntry[], limit: number = DEFAULT_RECENT_TARGETS): string[] {
  const count = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : DEFAULT_RECENT_TARGETS;
  const targets: string[] = [];
  for (const entry of entries) {
    if (targets.length >= count) break;
    if (!targets.includes(entry.remote.uri)) targets.push(entry.remote.uri);
  }
  return targets;
}

// ---------------------------------------------------------------------------------------------

function positiveInteger(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}


