// The call history's journal format: what one line of history.jsonl holds, how lines are checked
// and parsed, and how records fold into calls and entries. Pure: no file system here (the store in
// historyStore.ts does the reading and writing, under the lock in fileLock.ts).
//
// Journal records (one JSON object per line, in history.jsonl):
//   { "op": "start",  "entry": { id, accountId, direction, remote, startedAt } }
//   { "op": "answer", "id", "at" }
//   { "op": "end",    "id", "endedAt", "outcome", "status"?, "reason"?, "recording"? }
// Reading folds them by call id. Lines that don't parse (a write cut short by a crash, junk) are
// skipped and counted, never fatal.
import type { CallDirection, ClearReason, HistoryEntry, HistoryOutcome, RemoteParty } from "../protocol/model";

/** What is known about a call when it starts. */
export type HistoryStart = Pick<HistoryEntry, "id" | "accountId" | "direction" | "remote" | "startedAt">;

/** What is known about a call when it ends. */
export interface HistoryEnd {
  endedAt: number;
  outcome: HistoryOutcome;
  status?: number;
  reason?: ClearReason;
  /** The call's recording (a file path), when it was recorded. */
  recording?: string;
}

export type StartRecord = { op: "start"; entry: HistoryStart };
export type AnswerRecord = { op: "answer"; id: string; at: number };
export type EndRecord = { op: "end"; id: string } & HistoryEnd;
export type JournalRecord = StartRecord | AnswerRecord | EndRecord;

export interface ParsedRecord {
  record: JournalRecord;
  /** The line as stored, newline included, so compaction can copy it unchanged. */
  line: string;
}

export interface FoldedCall {
  start: HistoryStart;
  /** Position of the start record: orders calls that started in the same millisecond. */
  order: number;
  answeredAt?: number;
  end?: EndRecord;
}

/** About the shortest record there is (an answer with a short id). */
export const SHORTEST_LINE_BYTES = 40;
/** No real record comes close; longer lines are junk and not worth parsing. */
export const MAX_LINE_LENGTH = 64 * 1024;
/**
 * Compaction keeps unfinished calls this young even beyond maxEntries: they may be running in
 * another window, which would otherwise lose its call's answer and end records.
 */
export const KEEP_UNFINISHED_MS = 24 * 60 * 60 * 1000;

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
  transferred: true,
};

/** One record as one journal line, newline included. */
export function formatRecord(record: JournalRecord): string {
  return JSON.stringify(record) + "\n";
}

// ---------------------------------------------------------------------------------------------
// Input checks: a bad record written now would be unreadable (and skipped) forever after.

export function checkStart(e: HistoryStart): HistoryStart {
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

export function checkEnd(id: string, end: HistoryEnd): EndRecord {
  if (typeof end !== "object" || end === null) throw new TypeError("history: recordEnd needs { endedAt, outcome }");
  checkTime(end.endedAt, "endedAt");
  if (!isOutcome(end.outcome)) throw new TypeError(`history: invalid outcome ${String(end.outcome)}`);
  if (end.status !== undefined && !isStatus(end.status)) throw new TypeError(`history: invalid status ${String(end.status)}`);
  if (end.reason !== undefined && !isReason(end.reason)) throw new TypeError(`history: invalid reason ${String(end.reason)}`);
  if (end.recording !== undefined && !isRecording(end.recording)) throw new TypeError("history: invalid recording path");
  const record: EndRecord = { op: "end", id, endedAt: end.endedAt, outcome: end.outcome };
  if (end.status !== undefined) record.status = end.status;
  if (end.reason !== undefined) record.reason = end.reason;
  if (end.recording !== undefined) record.recording = end.recording;
  return record;
}

export function checkId(id: unknown): asserts id is string {
  if (typeof id !== "string" || id === "") throw new TypeError("history: call id must be a non-empty string");
}

export function checkTime(value: unknown, name: string): asserts value is number {
  if (!isTime(value)) throw new TypeError(`history: ${name} must be epoch ms a Date can hold (0 … 8.64e15)`);
}

// ---------------------------------------------------------------------------------------------
// Reading: journal text → records → calls → entries.

export function parseJournal(text: string): { records: ParsedRecord[]; skipped: number } {
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

export function parseRecord(line: string): JournalRecord | undefined {
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
    if (isRecording(r.recording)) end.recording = r.recording;
    return end;
  }
  return undefined;
}

/**
 * Calls by id, newest first. The first start, answer and end of an id win (a call only starts,
 * is answered and ends once); records for ids that never started are ignored.
 */
export function foldCalls(records: ParsedRecord[]): FoldedCall[] {
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

/** `running`: ids of calls that haven't ended but are still going on, so not "interrupted". */
export function toEntry(call: FoldedCall, running: ReadonlySet<string>): HistoryEntry {
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
    if (end.recording !== undefined) entry.recording = end.recording;
    if (answeredAt !== undefined) entry.durationSec = Math.max(0, Math.round((end.endedAt - answeredAt) / 1000));
  } else if (!running.has(start.id)) {
    // Started but never ended, and not ours to finish: the window that ran it went away mid-call.
    entry.outcome = "interrupted";
  }
  return entry;
}

/** The journal lines compaction keeps: every record of the newest calls, in their original order. */
export function keptLines(records: ParsedRecord[], maxEntries: number, running: ReadonlySet<string>, now: number): string[] {
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

/** Non-blank lines, corrupt ones included: the journal's length as compaction counts it. */
export function countLines(text: string): number {
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

/** Epoch ms that a Date can hold (beyond ±8.64e15 toISOString() throws) and that is not before 1970. */
const LATEST_TIME = 8.64e15;

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= LATEST_TIME;
}

/** An absolute path of reasonable length without control characters. */
function isRecording(value: unknown): value is string {
  return typeof value === "string" && value.length > 1 && value.length <= 4096 && /^(\/|[A-Za-z]:\\)/.test(value) && !/[\u0000-\u001f]/.test(value);
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
