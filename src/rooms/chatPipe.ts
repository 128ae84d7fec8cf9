// The call window as a room chat's transport: a data-only media session (owner feed "chat")
// whose channel carries TextRoom's JSON. See textRoom.ts for the protocol. No vscode import.
import { roomSessionId, type MediaSessionRef, type VideoMode } from "../protocol/callWindow";
import type { Event } from "../util/emitter";
import type { ChatPipe } from "./textRoom";

/** What a chat needs of the media engine. */
export interface ChatMedia {
  getDescription(session: MediaSessionRef, options: { hold: boolean; video: VideoMode }): Promise<{ sdp: string }>;
  setDescription(session: MediaSessionRef, sdp: string): Promise<unknown>;
  sendData(sessionId: string, text: string): boolean;
  onData: Event<{ session: MediaSessionRef; text: string }>;
  onDataOpen: Event<MediaSessionRef>;
  close(sessionId: string): void;
}

export function chatSession(room: number): MediaSessionRef {
  return { id: roomSessionId(room, "chat"), owner: { kind: "room", roomId: room, feed: "chat" } };
}

export function chatPipeThrough(media: ChatMedia, room: number): ChatPipe {
  const session = chatSession(room);
  let open = false;
  const whenOpen: Array<() => void> = [];
  const textListeners: Array<(text: string) => void> = [];
  const subscriptions = [
    media.onData(({ session: s, text }) => {
      if (s.id === session.id) for (const l of textListeners) l(text);
    }),
    media.onDataOpen((s) => {
      if (s.id !== session.id) return;
      open = true;
      for (const w of whenOpen.splice(0)) w();
    }),
  ];
  return {
    async answer(offerSdp) {
      await media.setDescription(session, offerSdp);
      return (await media.getDescription(session, { hold: false, video: "none" })).sdp;
    },
    opened(timeoutMs) {
      if (open) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the chat channel did not open within ${timeoutMs / 1000} s`)), timeoutMs);
        whenOpen.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    send: (text) => media.sendData(session.id, text),
    onText: (listener) => void textListeners.push(listener),
    close() {
      for (const s of subscriptions) s.dispose();
      media.close(session.id);
    },
  };
}
