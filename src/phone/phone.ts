// What the user interface (status bar, commands, sidebar) needs of the phone — and nothing of
// its insides — so that a VS Code window can drive either the phone in its own extension host
// (`Softphone`, the window that owns the phone) or the one in another window's host
// (`RemotePhone`, over the local link; see phoneLink.ts). Free of `vscode`.
import type { MessageService } from "../messages/messageService";
import type { PresenceService } from "../presence/presenceService";
import type { CallView } from "../protocol/model";
import type { RoomService } from "../rooms/roomService";
import type { Softphone } from "../softphone";
import type { Event } from "../util/emitter";

export type PhoneRooms = Pick<
  RoomService,
  | "view"
  | "list"
  | "listPage"
  | "create"
  | "destroy"
  | "kick"
  | "setRecording"
  | "sendMessage"
  | "markChatRead"
  | "join"
  | "leave"
  | "setMuted"
  | "setCameraOff"
  | "setReceiving"
  | "shareScreen"
  | "reconnect"
  | "onDidChange"
>;

export type PhoneMessages = Pick<MessageService, "send" | "retry" | "conversations" | "conversation" | "typing" | "markRead" | "onDidChange" | "onDidReceive">;

export type PhonePresence = Pick<PresenceService, "lampOf">;

export interface Phone
  extends Pick<
    Softphone,
    | "getState"
    | "accountViews"
    | "callViews"
    | "currentCall"
    | "contacts"
    | "settingsErrors"
    | "roomsAvailable"
    | "callWindowConnected"
    | "devices"
    | "dialInAddress"
    | "dial"
    | "act"
    | "roomAct"
    | "transfer"
    | "recentCalls"
    | "recentTargets"
    | "redial"
    | "clearHistory"
    | "showCallWindow"
    | "showCallWindowIfClosed"
    | "chooseDevice"
    | "testDevices"
    | "reconnect"
    | "onDidChangeState"
    | "onDidChangeHistory"
    | "onDidChangeDevices"
  > {
  readonly rooms: PhoneRooms;
  readonly messages: PhoneMessages;
  readonly presence: PhonePresence;
}

/**
 * What asks for the user's attention with a notification. Only one window shows each (the one
 * the user is in), so these are routed, unlike the state every window mirrors.
 */
export interface PhoneAlerts {
  readonly onIncomingCall: Event<{ call: CallView; accountLabel: string }>;
  readonly onMessage: Event<Parameters<Parameters<PhoneMessages["onDidReceive"]>[0]>[0]>;
  readonly onMediaError: Event<{ message: string }>;
  readonly onDeviceFallback: Event<Parameters<Parameters<Softphone["onDeviceFallback"]>[0]>[0]>;
  readonly onRoomNotice: Event<string>;
}

/** The call a command without an id means: the newest ringing incoming one when `prefer`, else the newest live one. */
export function callMeant(views: readonly CallView[], prefer?: "ringing-incoming"): CallView | undefined {
  if (prefer === "ringing-incoming") return views.filter((c) => c.direction === "incoming" && c.state === "ringing").at(-1);
  return views.filter((c) => c.state !== "cleared").at(-1);
}
