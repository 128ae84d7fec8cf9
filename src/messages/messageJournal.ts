// 1:1 messages (SIP MESSAGE) as kept on disk: one JSON record per line in messages.jsonl, and how
// the records fold into conversations. Pure: no file system here (messageStore.ts reads and writes
// under the lock). Records:
//   { "op": "msg",   "m": { id, accountId, peer, peerName?, direction, text, at } }
//   { "op": "state", "id", "state": "delivered" | "failed", "status"?, "reason"?, "at" }
//   { "op": "read",  "accountId", "peer", "at" }   everything in that conversation up to `at` is read
// Lines that do not parse are skipped, never fatal.
import type { ConversationView, MessageView } from "../protocol/model";

export type MessageRecord =
  | { op: "msg"; m: StoredMessage }
  | { op: "state"; id: string; state: "delivered" | "failed"; status?: number; reason?: string; at: number }
  | { op: "read"; accountId: string; peer: string; at: number };

/** What a "msg" record holds: the message as written, before any delivery state. */
export type StoredMessage = Omit<MessageView, "state" | "status" | "reason">;

/** Longest record line we read (a 64 KiB message plus its JSON). */
export const MAX_RECORD_LINE = 160 * 1024;

export function formatMessageRecord(record: MessageRecord): string {
  return JSON.stringify(record) + "\n";
}

const isStr = (v: unknown, max = 1024): v is string => typeof v === "string" && v.length > 0 && v.length <= max;
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0 && v < 8.64e15;

export function parseMessageRecord(line: string): MessageRecord | undefined {
  if (line.length > MAX_RECORD_LINE) return undefined;
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!r || typeof r !== "object") return undefined;
  if (r.op === "msg") {
    const m = r.m as Record<string, unknown> | undefined;
    if (!m || !isStr(m.id, 128) || !isStr(m.accountId, 64) || !isStr(m.peer) || (m.direction !== "in" && m.direction !== "out") || typeof m.text !== "string" || !isTime(m.at)) return undefined;
    return { op: "msg", m: { id: m.id, accountId: m.accountId, peer: m.peer, ...(isStr(m.peerName, 256) ? { peerName: m.peerName } : {}), direction: m.direction, text: m.text, at: m.at } };
  }
  if (r.op === "state") {
    if (!isStr(r.id, 128) || (r.state !== "delivered" && r.state !== "failed") || !isTime(r.at)) return undefined;
    return { op: "state", id: r.id, state: r.state, at: r.at, ...(Number.isInteger(r.status) ? { status: r.status as number } : {}), ...(isStr(r.reason, 512) ? { reason: r.reason } : {}) };
  }
  if (r.op === "read") {
    if (!isStr(r.accountId, 64) || !isStr(r.peer) || !isTime(r.at)) return undefined;
    return { op: "read", accountId: r.accountId, peer: r.peer, at: r.at };
  }
  return undefined;
}

export interface ParsedMessageRecord {
  record: MessageRecord;
  line: string;
}

export function parseMessageJournal(text: string): ParsedMessageRecord[] {
  const out: ParsedMessageRecord[] = [];
  for (const raw of text.split("\n")) {
    if (!raw) continue;
    const record = parseMessageRecord(raw);
    if (record) out.push({ record, line: raw + "\n" });
  }
  return out;
}

export const conversationKey = (accountId: string, peer: string): string => `${accountId}\u0000${peer}`;

export interface Folded {
  messages: Map<string, MessageView>;
  /** Per conversation: read up to this time. */
  readUpTo: Map<string, number>;
}

/** Messages with their latest delivery state, and what is read. */
export function foldMessages(records: readonly MessageRecord[]): Folded {
  const messages = new Map<string, MessageView>();
  const readUpTo = new Map<string, number>();
  for (const r of records) {
    if (r.op === "msg") {
      messages.set(r.m.id, { ...r.m, state: r.m.direction === "in" ? "received" : "sending" });
    } else if (r.op === "state") {
      const m = messages.get(r.id);
      if (m && m.direction === "out") messages.set(r.id, { ...m, state: r.state, ...(r.status !== undefined ? { status: r.status } : {}), ...(r.reason ? { reason: r.reason } : {}) });
    } else {
      const key = conversationKey(r.accountId, r.peer);
      readUpTo.set(key, Math.max(readUpTo.get(key) ?? 0, r.at));
    }
  }
  return { messages, readUpTo };
}

export function isUnread(m: MessageView, readUpTo: ReadonlyMap<string, number>): boolean {
  return m.direction === "in" && m.at > (readUpTo.get(conversationKey(m.accountId, m.peer)) ?? 0);
}

/** Conversations, the latest first, each with its last message and unread count. */
export function conversationsOf(folded: Folded): ConversationView[] {
  const byKey = new Map<string, ConversationView>();
  for (const m of folded.messages.values()) {
    const key = conversationKey(m.accountId, m.peer);
    const c = byKey.get(key) ?? { accountId: m.accountId, peer: m.peer, last: m, unread: 0 };
    if (m.at >= c.last.at) c.last = m;
    if (m.peerName) c.peerName = m.peerName;
    if (isUnread(m, folded.readUpTo)) c.unread++;
    byKey.set(key, c);
  }
  return [...byKey.values()].sort((a, b) => b.last.at - a.last.at);
}

/**
 * The lines compaction keeps: per conversation the newest `keepPerConversation` messages with
 * their state records, every unread message whatever its age, and the newest read marker.
 * Nothing unread is ever dropped.
 */
export function keptMessageLines(records: readonly ParsedMessageRecord[], keepPerConversation: number): string[] {
  const folded = foldMessages(records.map((r) => r.record));
  const newest = new Map<string, string[]>();
  for (const m of [...folded.messages.values()].sort((a, b) => b.at - a.at)) {
    const key = conversationKey(m.accountId, m.peer);
    const list = newest.get(key) ?? [];
    if (list.length < keepPerConversation || isUnread(m, folded.readUpTo)) list.push(m.id);
    newest.set(key, list);
  }
  const keep = new Set([...newest.values()].flat());
  const lastRead = new Map<string, ParsedMessageRecord>();
  const kept: string[] = [];
  for (const r of records) {
    const rec = r.record;
    if (rec.op === "read") lastRead.set(conversationKey(rec.accountId, rec.peer), r);
    else if ((rec.op === "msg" && keep.has(rec.m.id)) || (rec.op === "state" && keep.has(rec.id))) kept.push(r.line);
  }
  return [...kept, ...[...lastRead.values()].map((r) => r.line)];
}
