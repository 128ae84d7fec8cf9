// 1:1 messages over SIP MESSAGE (RFC 3428), text/plain. Incoming: checked, stored, and only then
// answered 200 OK (a store failure answers 500, so the sender knows it was not delivered; other
// types 415, absurd sizes 413). Outgoing: stored as "sending", then delivered (2xx) or failed with
// the status and reason (404 unknown, 480 offline, 403, 408 timeout…); a failed one can be retried.
// No vscode import.
import { randomUUID } from "node:crypto";
import { Messager, UserAgent, type Message, type URI } from "sip.js";
import { domainOf } from "../accounts/accountConfig";
import { cleanText } from "../calls/remoteParty";
import { parseDialString } from "../calls/dialString";
import type { ConversationView, MessageView } from "../protocol/model";
import type { SipAccount } from "../sip/sipAccount";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import { MAX_CHAT_TEXT } from "../rooms/chatLimits";
import type { MessageStore } from "./messageStore";
import { conversationKey, type StoredMessage } from "./messageJournal";
import { IS_COMPOSING_TYPE, isComposingBody, readIsComposing } from "./isComposing";

/** What one message may carry when we send it (as the reference SDK); longer is refused, not cut. */
export const MAX_MESSAGE_TEXT = MAX_CHAT_TEXT;
/** Incoming bodies beyond this are refused (413): no chat message is that long (10 000 characters still pass). */
export const MAX_INCOMING_BYTES = 32 * 1024;

export interface MessageServiceOptions {
  store: MessageStore;
  /** An account by id, or the default one. */
  account(id?: string): SipAccount | undefined;
  log: Logger;
}

/** The other party's address of record: scheme, user and host (no port, parameters or display name). */
export function addressOfRecord(uri: URI): string {
  return `${uri.scheme === "sips" ? "sips" : "sip"}:${uri.user ? `${uri.user}@` : ""}${uri.host.toLowerCase()}`;
}

export class MessageService {
  private readonly inFlight = new Set<string>();
  /** Conversations whose other party is typing, each with the timer that ends it. */
  private readonly composing = new Map<string, ReturnType<typeof setTimeout>>();
  /** When we last told a conversation we are typing. */
  private readonly lastTyping = new Map<string, number>();
  private readonly _onDidReceive = new Emitter<MessageView>();
  /** A message arrived (already stored). */
  readonly onDidReceive = this._onDidReceive.event;
  private readonly _onDidChange = new Emitter<void>();
  /** Anything changed: a message stored, a delivery state, a conversation read. */
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly options: MessageServiceOptions) {
    options.store.onDidChange(() => this._onDidChange.fire());
  }

  /** An incoming MESSAGE: stored before it is answered. */
  async incoming(account: SipAccount, message: Message): Promise<void> {
    const request = message.request;
    const type = (request.getHeader("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
    const reply = (statusCode: number, extraHeaders?: string[]) => message.reject({ statusCode, extraHeaders }).catch(() => undefined);
    // RFC 3994 is-composing: shown for a while, acknowledged, never stored (it is not a message).
    if (type === IS_COMPOSING_TYPE) {
      const notice = readIsComposing(request.body ?? "");
      if (notice) this.setComposing(conversationKey(account.id, addressOfRecord(request.from.uri)), notice.active ? notice.seconds : 0);
      return void (await message.accept().catch(() => undefined));
    }
    if (type !== "text/plain") return reply(415, ["Accept: text/plain"]);
    const body = request.body ?? "";
    if (Buffer.byteLength(body, "utf8") > MAX_INCOMING_BYTES) return reply(413);
    // Some clients end the body with line breaks (transport formatting, not part of what was typed).
    const text = body.replace(/(?:\r?\n)+$/, "");
    if (!text.trim()) return void (await message.accept().catch(() => undefined));
    const name = cleanText(request.from.displayName);
    const stored: StoredMessage = {
      id: randomUUID(),
      accountId: account.id,
      peer: addressOfRecord(request.from.uri),
      ...(name ? { peerName: name } : {}),
      direction: "in",
      text,
      at: Date.now(),
    };
    try {
      await this.options.store.addMessage(stored);
    } catch (err) {
      this.options.log.error(`messages: could not store a message for ${account.id}: ${messageOf(err)}; answered 500 so the sender knows`);
      return reply(500);
    }
    await message.accept().catch((err) => this.options.log.warn(`messages: the 200 OK could not be sent: ${messageOf(err)}`));
    this.setComposing(conversationKey(account.id, stored.peer), 0); // the message they were typing is here
    this._onDidReceive.fire({ ...stored, state: "received" });
  }

  /** Send `text` to `target` (a number, user or sip: address). Resolves once stored, while it is being delivered. */
  async send(target: string, text: string, accountId?: string): Promise<MessageView> {
    if (typeof text !== "string" || !text.trim()) throw new Error("the message is empty");
    if (text.length > MAX_MESSAGE_TEXT) throw new Error(`the message has ${text.length} characters; at most ${MAX_MESSAGE_TEXT} go in one message`);
    const account = this.options.account(accountId);
    if (!account) throw new Error(accountId ? `no account "${accountId}"` : "no SIP account is configured");
    const parsed = parseDialString(typeof target === "string" ? target : "", { domain: domainOf(account.config.uri), dialPlan: account.config.dialPlan });
    if (!parsed.ok) throw new Error(parsed.error);
    const uri = UserAgent.makeURI(parsed.target.uri);
    if (!uri) throw new Error(`"${target}" is not a valid SIP address`);
    const stored: StoredMessage = { id: randomUUID(), accountId: account.id, peer: addressOfRecord(uri), direction: "out", text, at: Date.now() };
    await this.options.store.addMessage(stored);
    void this.deliver(account, stored);
    return { ...stored, state: "sending" };
  }

  /** Send a failed message again. */
  async retry(id: string): Promise<void> {
    const m = await this.options.store.message(id);
    if (!m || m.direction !== "out") throw new Error("no such message of ours");
    if (m.state !== "failed") throw new Error(`that message is ${m.state}, not failed`);
    const account = this.options.account(m.accountId);
    if (!account) throw new Error(`its account "${m.accountId}" is gone`);
    await this.deliver(account, m);
  }

  async conversations(): Promise<ConversationView[]> {
    return (await this.options.store.conversations()).map((c) => ({
      ...c,
      last: this.withFlight(c.last),
      ...(this.composing.has(conversationKey(c.accountId, c.peer)) ? { composing: true } : {}),
    }));
  }

  /** Tell `peer` we are typing (RFC 3994), at most once per 10 s per conversation; never stored, failures ignored. */
  typing(accountId: string, peer: string): void {
    const key = conversationKey(accountId, peer);
    const now = Date.now();
    if (now - (this.lastTyping.get(key) ?? 0) < 10_000) return;
    this.lastTyping.set(key, now);
    const account = this.options.account(accountId);
    const uri = UserAgent.makeURI(peer);
    if (!account?.connected || !uri) return;
    void new Messager(account.ua, uri, isComposingBody(true), IS_COMPOSING_TYPE).message().catch(() => undefined);
  }

  /** Whether `peer` is typing to `accountId` (tests). */
  isComposing(accountId: string, peer: string): boolean {
    return this.composing.has(conversationKey(accountId, peer));
  }

  /** "Typing" for `seconds` (0: not any more). */
  private setComposing(key: string, seconds: number): void {
    clearTimeout(this.composing.get(key));
    const was = this.composing.delete(key);
    if (seconds > 0) {
      const timer = setTimeout(() => this.composing.delete(key) && this._onDidChange.fire(), seconds * 1000);
      timer.unref?.();
      this.composing.set(key, timer);
    }
    if (was || seconds > 0) this._onDidChange.fire();
  }

  /** A conversation's newest `limit` messages, oldest first. */
  async conversation(accountId: string, peer: string, limit?: number): Promise<MessageView[]> {
    return (await this.options.store.conversation(accountId, peer, limit)).map((m) => this.withFlight(m));
  }

  markRead(accountId: string, peer: string): Promise<void> {
    return this.options.store.markRead(accountId, peer);
  }

  /** A message being (re)sent reads "sending" whatever its last recorded state. */
  private withFlight(m: MessageView): MessageView {
    if (!this.inFlight.has(m.id)) return m;
    const { status: _s, reason: _r, ...rest } = m;
    return { ...rest, state: "sending" };
  }

  private async deliver(account: SipAccount, m: StoredMessage): Promise<void> {
    this.inFlight.add(m.id);
    this._onDidChange.fire();
    const outcome = await new Promise<{ state: "delivered" | "failed"; status?: number; reason?: string }>((resolve) => {
      if (!account.connected) return resolve({ state: "failed", reason: `account "${account.id}" is not connected` });
      const messager = new Messager(account.ua, UserAgent.makeURI(m.peer)!, m.text, "text/plain");
      messager
        .message({
          requestDelegate: {
            onAccept: () => resolve({ state: "delivered" }),
            onReject: (response) => resolve({ state: "failed", status: response.message.statusCode, reason: cleanText(response.message.reasonPhrase, 120) || undefined }),
          },
        })
        .catch((err) => resolve({ state: "failed", reason: messageOf(err) }));
    });
    this.inFlight.delete(m.id);
    await this.options.store
      .setState(m.id, outcome.state, { ...(outcome.status !== undefined ? { status: outcome.status } : {}), ...(outcome.reason ? { reason: outcome.reason } : {}) })
      .catch((err) => this.options.log.error(`messages: delivery state of ${m.id} not stored: ${messageOf(err)}`));
    if (outcome.state === "failed") this.options.log.info(`messages: to ${m.peer} failed: ${outcome.status ?? ""} ${outcome.reason ?? ""}`.trim());
  }
}
