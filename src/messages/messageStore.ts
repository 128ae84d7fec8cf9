// Messages on disk, written like call history (see history/historyStore.ts): an append-only
// JSON-lines journal, each append one fsynced write under the cross-process lock, compaction by
// rename once it grows — keeping every unread message. A received message is appended before
// its 200 OK goes out, so a crash right after the OK loses nothing.
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import type { ConversationView, MessageView } from "../protocol/model";
import { Emitter } from "../util/emitter";
import { withFileLock } from "../history/fileLock";
import { appendLine, FILE_MODE, fileVersion, readJournalText, replaceFile, sameVersion, type FileVersion } from "../history/journalFile";
import { conversationKey, conversationsOf, foldMessages, formatMessageRecord, keptMessageLines, parseMessageJournal, type MessageRecord, type StoredMessage } from "./messageJournal";

const JOURNAL_FILE = "messages.jsonl";
const LOCK_DIR = "messages.lock";

export interface MessageStoreOptions {
  /** Journal lines that trigger compaction; default 5000. */
  compactAtLines?: number;
  /** Messages compaction keeps per conversation (plus every unread one); default 500. */
  keepPerConversation?: number;
}

export class MessageStore {
  readonly path: string;
  private readonly lockPath: string;
  private writes: Promise<unknown> = Promise.resolve();
  private appendsSinceCount = 0;
  /**
   * The journal as last read, with the file's version (size, mtime, inode) then: the badge and
   * the sidebar ask after every message, and a burst must not re-read the whole file each time.
   * Any write — ours or another window's — changes the version, so a stale cache is never used.
   */
  private cache: { version: FileVersion; records: MessageRecord[] } | undefined;
  private readonly _onDidChange = new Emitter<void>();
  readonly onDidChange = this._onDidChange.event;

  constructor(
    dir: string,
    private readonly options: MessageStoreOptions = {},
  ) {
    this.path = path.join(dir, JOURNAL_FILE);
    this.lockPath = path.join(dir, LOCK_DIR);
  }

  addMessage(m: StoredMessage): Promise<void> {
    return this.append({ op: "msg", m });
  }

  setState(id: string, state: "delivered" | "failed", detail: { status?: number; reason?: string } = {}): Promise<void> {
    return this.append({ op: "state", id, state, at: Date.now(), ...detail });
  }

  markRead(accountId: string, peer: string, at = Date.now()): Promise<void> {
    return this.append({ op: "read", accountId, peer, at });
  }

  async conversations(): Promise<ConversationView[]> {
    return conversationsOf(foldMessages(await this.records()));
  }

  /** One conversation's messages, oldest first (the newest `limit`). */
  async conversation(accountId: string, peer: string, limit = 200): Promise<MessageView[]> {
    const key = conversationKey(accountId, peer);
    const all = [...foldMessages(await this.records()).messages.values()].filter((m) => conversationKey(m.accountId, m.peer) === key);
    return all.sort((a, b) => a.at - b.at).slice(-limit);
  }

  async message(id: string): Promise<MessageView | undefined> {
    return foldMessages(await this.records()).messages.get(id);
  }

  async clear(): Promise<void> {
    await this.enqueue(() => writeFile(this.path, "", { mode: FILE_MODE }));
    this._onDidChange.fire();
  }

  private async append(record: MessageRecord): Promise<void> {
    await this.enqueue(async () => {
      await appendLine(this.path, formatMessageRecord(record));
      if (++this.appendsSinceCount >= 200) {
        this.appendsSinceCount = 0;
        await this.compactIfLong().catch(() => undefined);
      }
    });
    this._onDidChange.fire();
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const run = this.writes.then(() => withFileLock(this.lockPath, { staleMs: 10_000, dirMode: 0o700, owner: "messages" }, write));
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Under the lock: rewrite the journal without old read messages once it is long. */
  private async compactIfLong(): Promise<void> {
    const text = await this.read();
    const records = parseMessageJournal(text);
    if (records.length <= (this.options.compactAtLines ?? 5000)) return;
    await replaceFile(this.path, keptMessageLines(records, this.options.keepPerConversation ?? 500).join(""));
  }

  private async records(): Promise<MessageRecord[]> {
    const version = await fileVersion(this.path);
    if (this.cache && version && sameVersion(this.cache.version, version)) return this.cache.records;
    const records = parseMessageJournal(await this.read()).map((r) => r.record);
    // Only a version that matches what was read may be cached (a write may land in between).
    const now = await fileVersion(this.path);
    this.cache = version && now && sameVersion(version, now) ? { version, records } : undefined;
    return records;
  }

  private read(): Promise<string> {
    return readJournalText(this.path);
  }
}
