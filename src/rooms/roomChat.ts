// The chat of the room we are in, as the UI sees it: whether it is there, who can receive
// messages, the conversation (kept in memory while we are in the room) and how much of it is
// unread. The TextRoom protocol is textRoom.ts's. No vscode import.
import type { RoomChatView } from "../protocol/model";
import { messageOf } from "../util/text";
import type { ChatMessage, TextRoomChat } from "./textRoom";

/** Messages kept per room visit; the oldest go first. */
const KEEP = 500;
/** Messages the view carries (the sidebar shows the latest). */
const SHOW = 200;

export class RoomChat {
  private chat: TextRoomChat | undefined;
  private state: RoomChatView["state"] = "joining";
  private reason: string | undefined;
  private readonly messages: ChatMessage[] = [];
  private unread = 0;
  private closed = false;

  constructor(private readonly changed: () => void) {}

  /** Joins the chat; a room without one (made elsewhere) leaves the chat unavailable, with the reason. */
  async open(join: () => Promise<TextRoomChat>): Promise<void> {
    try {
      const chat = await join();
      if (this.closed) return void (await chat.close());
      this.chat = chat;
      this.state = "ready";
      chat.onEvent((e) => {
        if (e.kind === "message") this.keep(e.message);
        this.changed();
      });
    } catch (err) {
      this.state = "unavailable";
      this.reason = messageOf(err);
    }
    this.changed();
  }

  view(): RoomChatView {
    return {
      state: this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      peers: [...(this.chat?.peers.values() ?? [])].map((p) => ({ id: p.username, display: p.display })),
      messages: this.messages.slice(-SHOW).map((m) => ({ ...m })),
      unread: this.unread,
    };
  }

  /**
   * To everyone, or a whisper to one person: `to` is their member id (as in the room's member
   * list) or their name when only one person has it.
   */
  async send(text: string, to?: string | number): Promise<ChatMessage> {
    const chat = this.chat;
    if (!chat) throw new Error(this.state === "joining" ? "the room's chat is not ready yet" : `this room has no chat${this.reason ? ` (${this.reason})` : ""}`);
    const username = to === undefined ? undefined : this.addressee(chat, to);
    const sent = await chat.send(text, username);
    this.keep(sent);
    this.changed();
    return sent;
  }

  markRead(): void {
    if (this.unread === 0) return;
    this.unread = 0;
    this.changed();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chat?.close().catch(() => undefined);
    this.chat = undefined;
  }

  private addressee(chat: TextRoomChat, to: string | number): string {
    const key = String(to);
    if (chat.peers.has(key)) return key;
    const named = [...chat.peers.values()].filter((p) => p.display === key);
    if (named.length === 1) return named[0].username;
    throw new Error(named.length > 1 ? `${named.length} people in the room are called "${key}": whisper by member id` : `nobody in the room's chat is "${key}"`);
  }

  private keep(message: ChatMessage): void {
    this.messages.push(message);
    if (this.messages.length > KEEP) this.messages.splice(0, this.messages.length - KEEP);
    if (!message.own) this.unread++;
  }
}
