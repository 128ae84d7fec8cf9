// Call history on disk. Three promises shape the design:
//   • it survives restarts, and a crash mid-call still leaves an entry → every call is written when
//     it starts, again when answered and when it ends, as separate records;
//   • two VS Code windows (two extension hosts, two processes) may write the same file at the
//     same moment without losing anything → an append-only JSON-lines journal, each append made
//     under a cross-process lock (an atomic `mkdir`) as one write of one whole line;
//   • nothing blocks the extension host → only fs/promises, never *Sync.
//
// Journal records (one JSON object per line, in history.jsonl):
//   { "op": "start",  "entry": { id, accountId, direction, remote, startedAt } }
//   { "op": "answer", "id", "at" }
//   { "op": "end",    "id", "endedAt", "outcome", "status"?, "reason"? }
// Reading folds them by call id. Lines that don't parse (a write cut short by a crash, junk) are
// skipped and counted, never fatal. The journal is compacted under the lock once it grows past
// ~2000 lines, by writing the kept lines to a temporary file and renaming it over the journal, so
// a reader (which takes no lock) always sees either the old or the new file, never a mix.
import { mkdir, open, readFile, rename, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import * as path from "node:path";
import type { CallDirection, ClearReason, HistoryEntry, HistoryOutcome, RemoteParty } from "../protocol/model";

/** What is known about a call when it starts. */
export type HistoryStart = Pick<HistoryEntry, "id" | "accountId" | "direction" | "remote" | "startedAt">;

/** What is known about a call when it ends. */
export interface HistoryEnd {
  endedAt: number;
  outcome: HistoryOutcome;
  status?: number;
  reason?: ClearReason;
}

export interface HistoryStoreOptions {
  /** Calls kept by compaction and returned by list() by default; default 500. */
  maxEntries?: number;
  /** A lock directory older than this is considered left behind by a dead process; default 10 s. */
  lockStaleMs?: number;
  /** Journal length (lines) that triggers compaction; default 2000. Lowered by tests. */
  compactAtLines?: number;
}

type StartRecord = { op: "start"; entry: HistoryStart };
type AnswerRecord = { op: "answer"; id: string; at: number };
type EndRecord = { op: "end"; id: string } & HistoryEnd;
type JournalRecord = StartRecord | AnswerRecord | EndRecord;

const JOURNAL_FILE = "history.jsonl";
const LOCK_DIR = "history.lock";
const DEFAULT_MAX_ENTRIES = 500;
const DEFAULT_LOCK_STALE_MS = 10_000;
const DEFAULT_COMPACT_AT_LINES = 2000;
const DEFAULT_RECENT_TARGETS = 10;
/** About the shortest record there is (an answer with a short id). */
const SHORTEST_LINE_BYTES = 40;
/** No real record comes close; longer lines are junk and not worth parsing. */
const MAX_LINE_LENGTH = 64 * 1024;
/**
 * Compaction keeps unfinished calls this young even beyond maxEntries: they may be running in
 * another window, which would otherwise lose its call's answer and end records.
 */
const KEEP_UNFINISHED_MS = 24 * 60 * 60 * 1000;
/** History holds phone numbers and names: readable by the user only. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

// Exhaustive on purpose: adding an outcome or reason to the model fails compilation here until
// the journal reader learns to accept it.
const OUTCOMES: Record<HistoryOutcome, true> = { answered: true, missed: true, declined: true, busy: true, failed: true, cancelled: true, interrupted: true };
const REASONS: Record<ClearReason, true> = {
  cancelled: true,
  busy: true,
  declined: true,
  "not-found": true,
  unavailable: true,
  "no-answer": true,
  failed: true,
  "ended-local": true,
  "ended-remote": true,
};

export class HistoryStore {
  /** The journal file. */
  readonly path: string;
  private readonly dir: string;
  private readonly lockPath: string;
  private readonly maxEntries: number;
  private readonly lockStaleMs: number;
  private readonly compactAtLines: number;
  /** Calls started through this instance that haven't ended: not "interrupted", just not over yet. */
  private readonly running = new Set<string>();
  /** This instance's writes, chained so its records land in the order they were made even when callers don't await. */
  private writes: Promise<unknown> = Promise.resolve();
  /** Journal size when its lines were last counted; drives the compaction check without re-reading on every append. */
  private counted?: { bytes: number; lines: number };
  private skipped = 0;

  constructor(dir: string, opts: HistoryStoreOptions = {}) {
    this.dir = dir;
    this.path = path.join(dir, JOURNAL_FILE);
    this.lockPath = path.join(dir, LOCK_DIR);
    this.maxEntries = positiveInteger(opts.maxEntries, DEFAULT_MAX_ENTRIES);
    this.lockStaleMs = positiveInteger(opts.lockStaleMs, DEFAULT_LOCK_STALE_MS);
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
    const journal = parseJournal(await this.readJournal());
    this.skipped = journal.skipped;
    return foldCalls(journal.records)
      .slice(0, count)
      .map((call) => toEntry(call, this.running));
  }

  /** Distinct remote URIs, most recently called first, for the dial box's suggestions. */
  async recentTargets(limit: number = DEFAULT_RECENT_TARGETS): Promise<string[]> {
    const count = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : DEFAULT_RECENT_TARGETS;
    const targets: string[] = [];
    for (const entry of await this.list()) {
      if (targets.length >= count) break;
      if (!targets.includes(entry.remote.uri)) targets.push(entry.remote.uri);
    }
    return targets;
  }

  /** Forgets every call, including ones still running: their later records are ignored. */
  async clear(): Promise<void> {
    await this.enqueue(async () => {
      await writeFile(this.path, "", { mode: FILE_MODE });
      this.counted = { bytes: 0, lines: 0 };
    });
  }

  private append(record: JournalRecord): Promise<void> {
    const line = JSON.stringify(record) + "\n";
    return this.enqueue(async () => {
      const bytes = await appendLine(this.path, line);
      // The record is safely written by now, so a failed compaction must not fail the call's
      // recording; the journal is still long next time, so the next append tries again.
      await this.compactIfLong(bytes).catch(() => undefined);
    });
  }

  /** Runs `write` after this instance's earlier writes, holding the cross-process lock. */
  private enqueue(write: () => Promise<void>): Promise<void> {
    const run = this.writes.then(() => withLock(this.dir, this.lockPath, this.lockStaleMs, write));
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Called under the lock with the journal's new size. */
  private async compactIfLong(bytes: number): Promise<void> {
    const counted = this.counted;
    // Between counts, estimate the line count from the growth in bytes; other windows append
    // too, so only the file's size (not our own appends) tells how long it really is.
    const shrunk = counted === undefined || bytes < counted.bytes;
    // A handful of lines says little about their average length; assume short ones until a
    // larger count, so the estimate errs towards counting again early rather than late.
    const bytesPerLine = counted && counted.lines >= 20 ? counted.bytes / counted.lines : SHORTEST_LINE_BYTES;
    if (!shrunk && counted.lines + (bytes - counted.bytes) / bytesPerLine <= this.compactAtLines) return;

    const text = await this.readJournal();
    const lines = countLines(text);
    if (lines <= this.compactAtLines) {
      this.counted = { bytes: Buffer.byteLength(text), lines };
      return;
    }
    const journal = parseJournal(text);
    const kept = keptLines(journal.records, this.maxEntries, this.running, Date.now());
    await replaceFile(this.path, kept.join(""));
    this.counted = { bytes: Buffer.byteLength(kept.join("")), lines: kept.length };
  }

  private async readJournal(): Promise<string> {
    try {
      return await readFile(this.path, "utf8");
    } catch (err) {
      if (errorCode(err) === "ENOENT") return "";
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Input checks: a bad record written now would be unreadable (and skipped) forever after.

function checkStart(e: HistoryStart): HistoryStart {
  if (typeof e !== "object" || e === null) throw new TypeError("history: recordStart needs a call");
  checkId(e.id);
  if (typeof e.accountId !== "string") throw new TypeError("history: accountId must be a string");
  if (e.direction !== "incoming" && e.direction !== "outgoing") throw new TypeError(`history: invalid direction ${String(e.direction)}`);
  const remote = toRemote(e.remote);
  if (!remote) throw new TypeError("history: remote must be { uri: string, displayName?: string }");
  checkTime(e.startedAt, "startedAt");
  // Copied field by field so nothing else the caller's object carries ends up on disk.
  return { id: e.id, accountId: e.accountId, direction: e.direction, remote, startedAt: e.startedAt };
}

function checkEnd(id: string, end: HistoryEnd): EndRecord {
  if (typeof end !== "object" || end === null) throw new TypeError("history: recordEnd needs { endedAt, outcome }");
  checkTime(end.endedAt, "endedAt");
  if (!isOutcome(end.outcome)) throw new TypeError(`history: invalid outcome ${String(end.outcome)}`);
  if (end.status !== undefined && !isStatus(end.status)) throw new TypeError(`history: invalid status ${String(end.status)}`);
  if (end.reason !== undefined && !isReason(end.reason)) throw new TypeError(`history: invalid reason ${String(end.reason)}`);
  const record: EndRecord = { op: "end", id, endedAt: end.endedAt, outcome: end.outcome };
  if (end.status !== undefined) record.status = end.status;
  if (end.reason !== undefined) record.reason = end.reason;
  return record;
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== "string" || id === "") throw new TypeError("history: call id must be a non-empty string");
}

function checkTime(value: unknown, name: string): asserts value is number {
  if (!isTime(value)) throw new TypeError(`history: ${name} must be a finite number of epoch ms`);
}

// ---------------------------------------------------------------------------------------------
// Reading: journal text → records → calls → entries.

interface ParsedRecord {
  record: JournalRecord;
  /** The line as stored, newline included, so compaction can copy it unchanged. */
  line: string;
}

interface FoldedCall {
  start: HistoryStart;
  /** Position of the start record: orders calls that started in the same millisecond. */
  order: number;
  answeredAt?: number;
  end?: EndRecord;
}

function parseJournal(text: string): { records: ParsedRecord[]; skipped: number } {
  const records: ParsedRecord[] = [];
  let skipped = 0;
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    const record = raw.length <= MAX_LINE_LENGTH ? parseRecord(raw) : undefined;
    if (record) records.push({ record, line: raw + "\n" });
    else skipped++;
  }
  return { records, skipped };
}

function parseRecord(line: string): JournalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (r.op === "start") {
    const e = r.entry as Record<string, unknown> | null | undefined;
    if (typeof e !== "object" || e === null) return undefined;
    const remote = toRemote(e.remote);
    if (!isId(e.id) || typeof e.accountId !== "string" || (e.direction !== "incoming" && e.direction !== "outgoing") || !remote || !isTime(e.startedAt)) return undefined;
    return { op: "start", entry: { id: e.id, accountId: e.accountId, direction: e.direction as CallDirection, remote, startedAt: e.startedAt } };
  }
  if (r.op === "answer") {
    return isId(r.id) && isTime(r.at) ? { op: "answer", id: r.id, at: r.at } : undefined;
  }
  if (r.op === "end") {
    if (!isId(r.id) || !isTime(r.endedAt) || !isOutcome(r.outcome)) return undefined;
    if ((r.status !== undefined && !isStatus(r.status)) || (r.reason !== undefined && !isReason(r.reason))) return undefined;
    const end: EndRecord = { op: "end", id: r.id, endedAt: r.endedAt, outcome: r.outcome };
    if (r.status !== undefined) end.status = r.status as number;
    if (r.reason !== undefined) end.reason = r.reason as ClearReason;
    return end;
  }
  return undefined;
}

/**
 * Calls by id, newest first. The first start, answer and end of an id win (a call only starts,
 * is answered and ends once); records for ids that never started are ignored.
 */
function foldCalls(records: ParsedRecord[]): FoldedCall[] {
  const calls = new Map<string, FoldedCall>();
  records.forEach(({ record }, order) => {
    if (record.op === "start" && !calls.has(record.entry.id)) calls.set(record.entry.id, { start: record.entry, order });
  });
  for (const { record } of records) {
    if (record.op === "answer") {
      const call = calls.get(record.id);
      if (call && call.answeredAt === undefined) call.answeredAt = record.at;
    } else if (record.op === "end") {
      const call = calls.get(record.id);
      if (call && call.end === undefined) call.end = record;
    }
  }
  return [...calls.values()].sort((a, b) => b.start.startedAt - a.start.startedAt || b.order - a.order);
}

function toEntry(call: FoldedCall, running: ReadonlySet<string>): HistoryEntry {
  const { start, answeredAt, end } = call;
  const entry: HistoryEntry = {
    id: start.id,
    accountId: start.accountId,
    direction: start.direction,
    remote: { ...start.remote },
    startedAt: start.startedAt,
    durationSec: 0,
  };
  if (answeredAt !== undefined) entry.answeredAt = answeredAt;
  if (end) {
    entry.endedAt = end.endedAt;
    entry.outcome = end.outcome;
    if (end.status !== undefined) entry.status = end.status;
    if (end.reason !== undefined) entry.reason = end.reason;
    if (answeredAt !== undefined) entry.durationSec = Math.max(0, Math.round((end.endedAt - answeredAt) / 1000));
  } else if (!running.has(start.id)) {
    // Started but never ended, and not ours to finish: the window that ran it went away mid-call.
    entry.outcome = "interrupted";
  }
  return entry;
}

/** The journal lines compaction keeps: every record of the newest calls, in their original order. */
function keptLines(records: ParsedRecord[], maxEntries: number, running: ReadonlySet<string>, now: number): string[] {
  const keep = new Set<string>();
  // Bounded, so that a journal full of unfinished junk still shrinks below the compaction threshold.
  let unfinishedAllowance = Math.floor(maxEntries / 4);
  foldCalls(records).forEach((call, rank) => {
    if (rank < maxEntries) {
      keep.add(call.start.id);
    } else if (call.end === undefined && unfinishedAllowance > 0 && (running.has(call.start.id) || now - call.start.startedAt < KEEP_UNFINISHED_MS)) {
      keep.add(call.start.id);
      unfinishedAllowance--;
    }
  });
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const { record, line } of records) {
    const id = record.op === "start" ? record.entry.id : record.id;
    if (!keep.has(id)) continue;
    // Duplicate records are ignored when reading, so they needn't survive compaction.
    const key = `${record.op} ${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(line);
  }
  return lines;
}

function countLines(text: string): number {
  let lines = 0;
  for (const raw of text.split("\n")) if (raw.trim() !== "") lines++;
  return lines;
}

function toRemote(value: unknown): RemoteParty | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { uri, displayName } = value as Record<string, unknown>;
  if (typeof uri !== "string" || (displayName !== undefined && typeof displayName !== "string")) return undefined;
  return displayName === undefined ? { uri } : { uri, displayName };
}

function isId(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 100 && value <= 699;
}

function isOutcome(value: unknown): value is HistoryOutcome {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(OUTCOMES, value);
}

function isReason(value: unknown): value is ClearReason {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(REASONS, value);
}

// ---------------------------------------------------------------------------------------------
// Writing: one whole line per append, and whole-file replacement by rename.

/** Appends `line` as one write; returns the journal's new size in bytes. Called under the lock. */
async function appendLine(file: string, line: string): Promise<number> {
  const handle = await open(file, "a+", FILE_MODE);
  try {
    const { size } = await handle.stat();
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
    return size + data.length;
  } finally {
    await handle.close();
  }
}

/** Replaces `file` atomically: readers see the old content or the new, never a half-written file. */
async function replaceFile(file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, content, { mode: FILE_MODE });
  try {
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

// ---------------------------------------------------------------------------------------------
// The cross-process lock: a directory, because mkdir either creates it or fails with EEXIST
// atomically on every platform and file system we care about.
//
// A process killed while holding the lock leaves the directory behind; once its mtime is older
// than lockStaleMs it is taken over. Taking over is itself guarded by a second directory so that
// two waiters can't both decide the same lock is stale, with one of them then deleting the fresh
// lock the other has just taken. (Residual risk, accepted: a holder legitimately holding the lock
// longer than lockStaleMs, e.g. a process paused in a debugger, can be overtaken.)

interface HeldLock {
  path: string;
  /** inode + mtime of the directory we created, to recognise it at release. */
  identity?: string;
}

async function withLock(dir: string, lockPath: string, staleMs: number, run: () => Promise<void>): Promise<void> {
  const lock = await acquireLock(dir, lockPath, staleMs);
  try {
    await run();
  } finally {
    await releaseLock(lock);
  }
}

async function acquireLock(dir: string, lockPath: string, staleMs: number): Promise<HeldLock> {
  // Every lock goes stale eventually, so this only trips when the file system itself misbehaves.
  const deadline = Date.now() + Math.max(30_000, 3 * staleMs);
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lockPath, { mode: DIR_MODE });
      return { path: lockPath, identity: await identityOf(lockPath) };
    } catch (err) {
      const code = errorCode(err);
      if (code === "ENOENT") {
        // The history directory doesn't exist (yet, or any more): create it and try again at once.
        await mkdir(dir, { recursive: true, mode: DIR_MODE });
        continue;
      }
      if (code !== "EEXIST") throw err;
    }
    if (await isStale(lockPath, staleMs)) await takeOver(lockPath, staleMs);
    if (Date.now() > deadline) throw new Error(`history: timed out waiting for the lock ${lockPath}`);
    // Short and random, so that waiting processes don't retry in lock-step; grows a little while contended.
    await delay(1 + Math.random() * Math.min(25, 2 + attempt));
  }
}

async function releaseLock(lock: HeldLock): Promise<void> {
  // If we were stalled past lockStaleMs, another process may have taken over and now holds a new
  // lock at the same path: that one isn't ours to remove.
  if (lock.identity !== undefined && (await identityOf(lock.path)) !== lock.identity) return;
  await rm(lock.path, { recursive: true, force: true });
}

async function takeOver(lockPath: string, staleMs: number): Promise<void> {
  const guard = `${lockPath}.takeover`;
  try {
    await mkdir(guard, { mode: DIR_MODE });
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

// ---------------------------------------------------------------------------------------------

function positiveInteger(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
