// Host ↔ sidebar webview protocol (over VS Code's postMessage). The sidebar is UI only: it
// shows state the host pushes and sends user intents back. It never holds call state itself,
// so hiding, re-showing or reloading it loses nothing: it asks for a sync when it starts.
import type { CallAction } from "./callActions";
import type { Contact } from "../contacts/contactList";
import type { Lamp } from "./presence";
import type { RoomAction } from "./roomActions";
import type { RoomPage } from "../rooms/roomListing";
import type { AccountView, CallView, ConversationView, HistoryEntry, MessageView, RoomStateView } from "./model";
import type { Mirror } from "./rpc";

export interface SidebarState {
  accounts: AccountView[];
  calls: CallView[];
  history: HistoryEntry[];
  recentTargets: string[];
  callWindowConnected: boolean;
  /** Problems with the settings, one sentence each. */
  configErrors: string[];
  /** Whether a rooms server is set up (softphone.rooms.server). */
  roomsAvailable: boolean;
  /** The user's contacts (setting softphone.contacts), each with its presence lamp. */
  contacts: Array<Contact & { presence?: Lamp }>;
  /** 1:1 conversations (SIP MESSAGE), the latest first, with unread counts. */
  conversations: ConversationView[];
  /** The room we are in, with its chat; null when in none (a patch must be able to say so). */
  room: RoomStateView | null;
}

/**
 * Only the parts that changed. A call's progress sends accounts and calls; a history write sends
 * history and recent targets: the sidebar is not rebuilt (nor history re-read) on every change.
 */
export type SidebarPatch = Partial<SidebarState>;

/** The state after a patch (used by the sidebar, and by tests to see what it shows). */
export function applySidebarPatch(state: SidebarState, patch: SidebarPatch): SidebarState {
  const next = { ...state };
  for (const key of Object.keys(patch) as Array<keyof SidebarState>) {
    if (patch[key] !== undefined) (next as Record<keyof SidebarState, unknown>)[key] = patch[key];
  }
  return next;
}

export interface HostToSidebar {
  requests: Record<never, never>;
  notes: {
    /** The whole state (when the view shows again). */
    "state.sync": SidebarState;
    "state.patch": SidebarPatch;
    /** Show a transient message in the view (e.g. why a dial string was refused). */
    "toast": { level: "info" | "error"; message: string };
  };
}

export interface SidebarToHost {
  requests: {
    "sidebar.ready": { params: Record<string, never>; result: SidebarState };
    "call.dial": { params: { target: string; accountId?: string; video?: boolean }; result: { callId?: string; error?: string } };
    /** One conversation's messages (oldest first), when the view opens it or it changed. */
    "messages.conversation": { params: { accountId: string; peer: string }; result: MessageView[] };
    /** A 1:1 message; resolves with an error sentence when refused. */
    "messages.send": { params: { accountId: string; peer: string; text: string }; result: { error?: string } };
    /** A message in the room's chat: to everyone, or a whisper `to` a member id. */
    "room.send": { params: { text: string; to?: string }; result: { error?: string } };
    /** One page of the rooms on the server (ten to a page), all or one type. */
    "rooms.list": { params: { kind: "all" | "video" | "audio"; page: number }; result: { page?: RoomPage; error?: string } };
  };
  notes: {
    /** Answer, decline, hang up, mute, hold, DTMF… (the one action table). */
    "call.action": CallAction;
    "history.redial": { entryId: string };
    "history.clear": Record<string, never>;
    "callWindow.open": Record<string, never>;
    /** "Transfer…" on a call: the host asks where to (a quick pick). */
    "call.transferPick": { callId: string };
    "account.actions": { accountId: string };
    "account.add": Record<string, never>;
    /** A new conversation: the host asks whom, with the palette's pickers. */
    "messages.new": { to?: string };
    "contact.add": Record<string, never>;
    /** Edit or remove a contact (the host asks which, then with the palette's inputs; removing asks first). */
    "contact.edit": { address: string };
    "messages.retry": { id: string };
    /** The user is typing in a conversation (the host tells the other party, throttled). */
    "messages.typing": { accountId: string; peer: string };
    /** The conversation is shown while the view is visible: it is read. */
    "messages.read": { accountId: string; peer: string };
    /** Join a room (`roomId`; the host asks for its PIN and our name) or pick one with the palette. */
    "room.join": { roomId?: number };
    "room.create": Record<string, never>;
    /** Mute, camera, screen share, receive a feed or not, leave: the room action table. */
    "room.action": RoomAction;
    /** The chat was shown while the view is visible: nothing is unread. */
    "room.chatSeen": Record<string, never>;
    /** A link in a chat message (plain http/https only; the host checks again and opens it outside). */
    "link.open": { url: string };
  };
}

export type HostSidebarChannel = {
  inRequests: SidebarToHost["requests"];
  inNotes: SidebarToHost["notes"];
  outRequests: HostToSidebar["requests"];
  outNotes: HostToSidebar["notes"];
};

export type SidebarHostChannel = Mirror<HostSidebarChannel>;
