// The data shapes that cross every boundary: host ↔ sidebar, host ↔ call window, the public API
// and `softphone.getState`. Plain JSON only (no classes, no Dates) so they survive postMessage,
// WebSockets and JSON.stringify unchanged. Type imports only: both bundles include this file.
import type { MediaQuality } from "./quality";

/** Registration state of one account. */
export type RegistrationState = "unregistered" | "registering" | "registered" | "failed";

/**
 * Why an account is not registered. `credentials`: the server refused our digest (401/403/407
 * after authenticating). `connection`: the WebSocket could not be opened or dropped (refused,
 * timeout, TLS, DNS). `rejected`: the server answered the REGISTER with another error status.
 * `config`: the account's settings are invalid or its password is missing.
 */
export type RegistrationReasonKind = "credentials" | "connection" | "rejected" | "config";

export interface RegistrationReason {
  kind: RegistrationReasonKind;
  /** SIP status code when the server answered. */
  statusCode?: number;
  /** A sentence for people, e.g. "Connection refused by ws://127.0.0.1:8080". */
  message: string;
}

export interface AccountView {
  id: string;
  label: string;
  uri: string;
  state: RegistrationState;
  reason?: RegistrationReason;
  /** Epoch ms of the next automatic reconnect attempt, if one is scheduled. */
  retryAt?: number;
  isDefault: boolean;
}

/** Call progress, in the only order it may advance (see src/calls/callState.ts). */
export type CallState = "connecting" | "trying" | "ringing" | "incall" | "cleared";

export type CallDirection = "outgoing" | "incoming";

/** Why a call was cleared. */
export type ClearReason =
  | "cancelled" // the caller gave up before answer (us for outgoing, them for incoming)
  | "busy" // 486 / 600
  | "declined" // 603, or we declined an incoming call
  | "not-found" // 404 / 604 / 484
  | "unavailable" // 480 / 503 / 502 / 504
  | "no-answer" // 408, or the ring timeout fired
  | "failed" // any other failure: 4xx-6xx, transport or media errors
  | "ended-local" // established, we hung up
  | "ended-remote" // established, they hung up
  | "transferred"; // established, then handed to another party (a transfer completed)

export interface RemoteParty {
  uri: string;
  displayName?: string;
}

/** A call's video, as negotiated (absent for calls that never had video). */
export interface CallVideoView {
  /** What we ask for: our camera and theirs (`send`), theirs only (`receive`), or none. */
  mode: "none" | "receive" | "send";
  /** Our camera's video is negotiated to be sent. */
  sending: boolean;
  /** The far end's video is negotiated to reach us. */
  receiving: boolean;
  /** Video mute: the camera is off without renegotiation (nothing is sent). */
  cameraOff: boolean;
}

/**
 * How long each step of a call's set-up took, in ms after the call started (dial, or the
 * INVITE's arrival for incoming calls). Absent steps have not happened (yet).
 */
export interface CallSetupTimings {
  inviteSentMs?: number;
  tryingMs?: number;
  ringingMs?: number;
  answeredMs?: number;
  iceConnectedMs?: number;
  firstAudioMs?: number;
  firstVideoMs?: number;
}

/** A transfer attempt, as calling SDKs model it: `none → transferring → transferred | failed`. */
export type TransferState = "none" | "transferring" | "transferred" | "failed";

export type TransferKind = "blind" | "attended" | "voicemail";

export interface TransferView {
  id: string;
  /** The call being transferred (ours with the transferee). */
  callId: string;
  kind: TransferKind;
  /** Where the call goes: a SIP URI (blind, voicemail) or the consultation call's party. */
  target: string;
  /** Attended: the consultation call (ours with the target). */
  targetCallId?: string;
  state: TransferState;
  /** Why it failed, for people: "target busy (486 Busy Here)", "REFER refused (403 Forbidden)", … */
  error?: string;
  /** The last progress the transferee reported (the NOTIFY's sipfrag status). */
  progress?: number;
  startedAt: number;
  endedAt?: number;
}

export interface CallView {
  id: string;
  accountId: string;
  direction: CallDirection;
  remote: RemoteParty;
  state: CallState;
  muted: boolean;
  held: boolean;
  /** Epoch ms. */
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  /** Final SIP status when cleared by a response (e.g. 486), or 200 for ended calls. */
  status?: number;
  reason?: ClearReason;
  /** Human text for the reason, e.g. "Busy Here". */
  reasonText?: string;
  /** An incoming call whose offer has video (answer with video or audio only). */
  videoOffered?: boolean;
  video?: CallVideoView;
  /** Live media quality (codec, bitrate, loss, jitter, round trip, MOS), about once a second. */
  quality?: MediaQuality;
  setup?: CallSetupTimings;
  /** The latest transfer attempt of this call (we are the transferor). */
  transfer?: TransferView;
  /** This call replaced another (we were the transferee or the target of a transfer). */
  replacesCallId?: string;
  /** Being recorded now (the user is shown it everywhere the call is). */
  recording?: boolean;
  /** Mixed with our other calls in a local conference (each party hears the others and us). */
  conference?: boolean;
}

/** Outcome of a finished call as history shows it. */
export type HistoryOutcome = "answered" | "missed" | "declined" | "busy" | "failed" | "cancelled" | "interrupted";

export interface HistoryEntry {
  id: string;
  accountId: string;
  direction: CallDirection;
  remote: RemoteParty;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  /** Seconds in call (answer → end); 0 when never answered. */
  durationSec: number;
  /** Absent while the call is still running (or the window crashed mid-call: then "interrupted" is derived). */
  outcome?: HistoryOutcome;
  status?: number;
  reason?: ClearReason;
  /** The call's recording (file path), when it was recorded. */
  recording?: string;
}

/** A 1:1 message (SIP MESSAGE). Text is untrusted: shown as plain text only. */
export interface MessageView {
  id: string;
  accountId: string;
  /** The other party's address of record. */
  peer: string;
  peerName?: string;
  direction: "in" | "out";
  text: string;
  at: number;
  /** Ours: sending → delivered (2xx) | failed (with status/reason); theirs: received. */
  state: "sending" | "delivered" | "failed" | "received";
  status?: number;
  reason?: string;
}

/** One conversation (an account and a peer): its last message and how many are unread. */
export interface ConversationView {
  accountId: string;
  peer: string;
  peerName?: string;
  last: MessageView;
  unread: number;
  /** The other party is typing (RFC 3994 is-composing). */
  composing?: boolean;
}

/** The JSON returned by `softphone.getState` and `api.getState()`. */
import type { Lamp, OwnPresence } from "./presence";

export interface SoftphoneState {
  accounts: Array<{ id: string; state: RegistrationState; reason?: RegistrationReasonKind; reasonText?: string; statusCode?: number }>;
  /** CallView with the party flattened to strings. */
  calls: Array<Omit<CallView, "remote" | "reasonText"> & { remote: string; remoteName?: string }>;
  callWindow: { connected: boolean };
  /** Problems found in the settings, each naming the setting and field. */
  settingsErrors: string[];
  /** The room we are in, if any. */
  room?: RoomStateView;
  /** Phone callers dialled in to rooms through this softphone (accounts with roomDialIn). */
  dialIns?: DialInCallerView[];
  /** What we publish about ourselves, and each contact's lamp by the address in softphone.contacts. */
  presence?: { own: OwnPresence; contacts: Record<string, Lamp> };
}

/** A phone caller being walked into a room ("dialogue": typing its number) or in one. */
export interface DialInCallerView {
  id: string;
  /** The caller's name or number, made safe to show. */
  caller: string;
  stage: "dialogue" | "in-room";
  room?: number;
  subject?: string;
}

/** The room we are in: who else is there, what we send, whether we are muted. */
export interface RoomStateView {
  id: number;
  /** video: everyone publishes and subscribes; audio: the server mixes (AudioBridge). */
  kind: "video" | "audio";
  subject: string;
  memberId: number;
  /**
   * Everyone else, and screen shares (`screen`: a publisher that is someone's screen). Marks as
   * the server tells them: muted microphone, camera off, talking now. `subscribed`: we receive
   * their feed; `declined`: we chose not to (unsubscribe), so it is not received automatically.
   */
  others: Array<{
    id: number;
    display: string;
    publishing: boolean;
    subscribed: boolean;
    declined?: boolean;
    muted?: boolean;
    video?: boolean;
    cameraOff?: boolean;
    screen?: boolean;
    talking?: boolean;
  }>;
  publishing: { audio: boolean; video: boolean };
  muted: boolean;
  /** Our camera is off (we publish video, but send no frames). */
  cameraOff?: boolean;
  /** We are talking, as the server measures it. */
  talking?: boolean;
  /** Our screen share is on (its own publisher in the room, number `screenId`). */
  screenId?: number;
  /** The rooms server went away: we join again as soon as it is back. */
  reconnecting?: boolean;
  /** Audio rooms: the 6 digits a phone types after calling the dial-in account (rooms/dialIn). */
  dialInCode?: string;
  /** The room's chat (Janus TextRoom on the same room number). */
  chat: RoomChatView;
  /** The server is recording the room (seen by everyone in it, whoever started it). */
  recording?: boolean;
}

/** A room's chat: who can receive messages, the conversation, what is unread. */
export interface RoomChatView {
  /** joining: being set up; unavailable: the room has no chat (made elsewhere) — see `reason`. */
  state: "joining" | "ready" | "unavailable";
  reason?: string;
  /** Who can receive messages (the seed's getAvailableMessageUsers): member id and name. */
  peers: Array<{ id: string; display: string }>;
  /** The latest messages, oldest first. Text is untrusted: shown as plain text only. */
  messages: Array<{ id: number; from: string; fromDisplay: string; text: string; at: number; whisper: boolean; to?: string; own: boolean }>;
  unread: number;
}
