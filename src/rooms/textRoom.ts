// A room's chat on Janus TextRoom, on the same room number as its video or audio room. Janus
// takes chat requests (join, message, whisper, leave) only on a data channel, so the call window
// holds a data-only peer connection and pipes text both ways (ChatPipe); the TextRoom protocol is
// spoken here. Setup and ack go over the Janus API. No vscode import.
import { randomUUID } from "node:crypto";
import type { JanusConnection } from "./janusConnection";
import { roomError } from "./roomModel";

const PLUGIN = "janus.plugin.textroom";
import { MAX_CHAT_TEXT } from "./chatLimits";

export { MAX_CHAT_TEXT };
const REQUEST_TIMEOUT_MS = 8000;

export interface ChatPeer {
  /** TextRoom user name: the member's id in the video or audio room, as text. */
  username: string;
  display: string;
}

export interface ChatMessage {
  id: number;
  /** Sender's user name (ours for our own messages). */
  from: string;
  fromDisplay: string;
  text: string;
  /** Epoch ms. */
  at: number;
  /** Only the addressee sees it (and we, who sent it). */
  whisper: boolean;
  /** A whisper's addressee (our own whispers). */
  to?: string;
  own: boolean;
}

export type ChatEvent =
  | { kind: "message"; message: ChatMessage }
  | { kind: "joined"; peer: ChatPeer }
  | { kind: "left"; username: string }
  | { kind: "kicked" }
  | { kind: "closed" };

/** The call window's side: the data-only session that carries the chat's text. */
export interface ChatPipe {
  /** Answer Janus's offer (a data channel only); resolves with our answer. */
  answer(offerSdp: string): Promise<string>;
  /** Resolves once the channel is open. */
  opened(timeoutMs: number): Promise<void>;
  send(text: string): boolean;
  onText(listener: (text: string) => void): void;
  close(): void;
}

let nextMessageId = 1;

export class TextRoomChat {
  readonly peers = new Map<string, ChatPeer>();
  private readonly pending = new Map<string, { resolve(m: Record<string, unknown>): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  private listeners: Array<(e: ChatEvent) => void> = [];
  private closed = false;

  private constructor(
    private readonly janus: JanusConnection,
    private readonly handle: number,
    private readonly pipe: ChatPipe,
    readonly room: number,
    readonly username: string,
    readonly display: string,
  ) {
    pipe.onText((text) => this.receive(text));
  }

  /** Set up the data channel and join the room's chat as `username` (the member id). */
  static async join(janus: JanusConnection, pipe: ChatPipe, room: number, options: { username: string; display: string; pin?: string }): Promise<TextRoomChat> {
    const handle = await janus.attach(PLUGIN, () => undefined);
    const chat = new TextRoomChat(janus, handle, pipe, room, options.username, options.display);
    try {
      const { jsep } = await janus.message(handle, { request: "setup" });
      if (!jsep || jsep.type !== "offer") throw new Error("the rooms server offered no chat channel");
      const answer = await pipe.answer(jsep.sdp);
      await janus.message(handle, { request: "ack" }, { type: "answer", sdp: answer });
      await pipe.opened(10000);
      const joined = await chat.request({ textroom: "join", room, username: options.username, display: options.display, ...(options.pin ? { pin: options.pin } : {}) });
      for (const p of (joined.participants ?? []) as Array<{ username?: string; display?: string }>) {
        if (typeof p.username === "string" && p.username !== options.username) chat.peers.set(p.username, { username: p.username, display: String(p.display ?? p.username) });
      }
      return chat;
    } catch (err) {
      await chat.close();
      throw roomError(err, room);
    }
  }

  onEvent(listener: (e: ChatEvent) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** To everyone, or a whisper to one user name. Resolves with our copy once the server took it. */
  async send(text: string, to?: string): Promise<ChatMessage> {
    if (typeof text !== "string" || !text.trim()) throw new Error("the message is empty");
    if (text.length > MAX_CHAT_TEXT) throw new Error(`the message has ${text.length} characters; at most ${MAX_CHAT_TEXT} go in one message`);
    if (to !== undefined && !this.peers.has(to)) throw new Error("that person is not in the room's chat");
    await this.request({ textroom: "message", room: this.room, text, ack: true, ...(to !== undefined ? { to } : {}) });
    return { id: nextMessageId++, from: this.username, fromDisplay: this.display, text, at: Date.now(), whisper: to !== undefined, ...(to !== undefined ? { to } : {}), own: true };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error("the chat closed"));
    }
    this.pending.clear();
    if (this.janus.connected) this.pipe.send(JSON.stringify({ textroom: "leave", room: this.room, transaction: randomUUID() }));
    this.pipe.close();
    await this.janus.detach(this.handle);
  }

  private request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const transaction = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`the rooms server did not answer the chat's "${String(body.textroom)}" within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, { resolve, reject, timer });
      if (!this.pipe.send(JSON.stringify({ ...body, transaction }))) {
        clearTimeout(timer);
        this.pending.delete(transaction);
        reject(new Error("the chat's channel is closed (is the call window open?)"));
      }
    });
  }

  /** Everything the server says on the channel: answers to our requests, then events. */
  private receive(text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (!msg || typeof msg !== "object") return;
    const waiting = typeof msg.transaction === "string" ? this.pending.get(msg.transaction) : undefined;
    if (waiting) {
      this.pending.delete(msg.transaction as string);
      clearTimeout(waiting.timer);
      if (msg.textroom === "error") waiting.reject(new Error(String(msg.error ?? "refused")));
      else waiting.resolve(msg);
      return;
    }
    switch (msg.textroom) {
      case "message": {
        const from = String(msg.from ?? "");
        if (from === this.username || typeof msg.text !== "string") return; // our own, echoed: we kept it when we sent it
        const parsedDate = Date.parse(String(msg.date ?? ""));
        const message: ChatMessage = {
          id: nextMessageId++,
          from,
          fromDisplay: this.peers.get(from)?.display ?? from,
          text: msg.text.length > MAX_CHAT_TEXT ? `${msg.text.slice(0, MAX_CHAT_TEXT)} … (${msg.text.length - MAX_CHAT_TEXT} more characters not shown)` : msg.text,
          at: Number.isFinite(parsedDate) && Math.abs(parsedDate - Date.now()) < 86_400_000 ? parsedDate : Date.now(),
          whisper: msg.whisper === true,
          own: false,
        };
        return this.emit({ kind: "message", message });
      }
      case "join": {
        const username = String(msg.username ?? "");
        if (!username || username === this.username) return;
        const peer = { username, display: String(msg.display ?? username) };
        this.peers.set(username, peer);
        return this.emit({ kind: "joined", peer });
      }
      case "leave":
      case "kicked": {
        const username = String(msg.username ?? "");
        if (username === this.username) return msg.textroom === "kicked" ? this.emit({ kind: "kicked" }) : undefined;
        if (this.peers.delete(username)) this.emit({ kind: "left", username });
        return;
      }
      case "destroyed":
        return this.emit({ kind: "closed" });
    }
  }

  private emit(e: ChatEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

/** The chat of a room we create: a TextRoom room with the same number, PIN and secret. */
export async function createChatRoom(janus: JanusConnection, room: { id: number; subject: string; pin?: string; secret: string; adminKey?: string }): Promise<void> {
  await withChatHandle(janus, (handle) =>
    janus.message(handle, {
      request: "create",
      room: room.id,
      description: room.subject,
      secret: room.secret,
      is_private: false,
      ...(room.pin ? { pin: room.pin } : {}),
      ...(room.adminKey ? { admin_key: room.adminKey } : {}),
    }),
  );
}

/** Closes a room's chat (its members are told); a room that never had one is fine. */
export async function destroyChatRoom(janus: JanusConnection, room: number, secret: string): Promise<void> {
  await withChatHandle(janus, (handle) => janus.message(handle, { request: "destroy", room, secret })).catch((err) => {
    if (!/no such room/i.test(String((err as Error)?.message))) throw err;
  });
}

/** Kicks a member from a room's chat too (their user name is their member id). */
export async function kickFromChat(janus: JanusConnection, room: number, secret: string, username: string): Promise<void> {
  await withChatHandle(janus, (handle) => janus.message(handle, { request: "kick", room, secret, username })).catch(() => undefined);
}

async function withChatHandle<T>(janus: JanusConnection, use: (handle: number) => Promise<T>): Promise<T> {
  const handle = await janus.attach(PLUGIN, () => undefined);
  try {
    return await use(handle);
  } finally {
    await janus.detach(handle);
  }
}
