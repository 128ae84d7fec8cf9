// Host ↔ call window protocol (over the WebSocket served by src/media/callWindowServer.ts).
// The call window owns all media: microphone, RTCPeerConnections, playback, stats.
import type { CallAction } from "./callActions";
import type { CallView, RoomStateView } from "./model";
import type { RoomAction } from "./roomActions";
import type { MediaQuality } from "./quality";
import type { Mirror } from "./rpc";

export const CALL_WINDOW_PROTOCOL_VERSION = 3;

/**
 * Who a media session belongs to: the service that is told when its media is lost. A SIP call
 * has one session (its id is the call's id); a room has one for what we publish, one for our
 * screen share, one for its chat, and one ("receive") that receives every publisher we
 * subscribe to — one peer connection, an m-line per stream (Janus multistream).
 */
export type MediaOwner = { kind: "call"; callId: string } | { kind: "room"; roomId: number; feed: "publish" | "screen" | "chat" | "receive" };

/**
 * The id of one of a room's media sessions, or (`feed`: a publisher's member id) of one
 * publisher's media within the "receive" session: both sides derive it, so the host asks for a
 * feed's figures and the call window puts the feed in the tile of its member.
 */
export function roomSessionId(roomId: number, feed: "publish" | "screen" | "chat" | "receive" | number): string {
  return typeof feed === "number" ? `room-${roomId}-feed-${feed}` : `room-${roomId}-${feed}`;
}

/** One m-line of a room's "receive" session: which publisher's audio or video it carries. */
export interface ReceivedStream {
  mid: string;
  kind: "audio" | "video";
  /** The publisher's member id. */
  feed: number;
}

/** A room's session that receives the publishers (see MediaOwner). */
export function isRoomReceiver(owner: MediaOwner): boolean {
  return owner.kind === "room" && owner.feed === "receive";
}

/** A room's screen share: sends a captured screen, never the microphone. */
export function isScreenShare(owner: MediaOwner): boolean {
  return owner.kind === "room" && owner.feed === "screen";
}

/** Whether a session sends our microphone (and camera, when asked): calls and what we publish in a room. */
export function sendsOurMedia(owner: MediaOwner): boolean {
  return owner.kind === "call" || owner.feed === "publish";
}

/**
 * A room's chat (Janus TextRoom): a peer connection with only a data channel. The window is a
 * pipe for its text ("media.data" both ways); the host speaks the TextRoom protocol.
 */
export function isDataOnly(owner: MediaOwner): boolean {
  return owner.kind === "room" && owner.feed === "chat";
}

/** Longest text one data-channel message may carry either way (a chat message is ≤ 2048 characters plus JSON). */
export const MAX_DATA_MESSAGE = 16 * 1024;

/** A media session as the host names it to the window: created on first use, closed by "media.close". */
export interface MediaSessionRef {
  id: string;
  owner: MediaOwner;
}

/**
 * What we ask of video in our next SDP. `send`: our camera and theirs (sendrecv). `receive`:
 * theirs only — a far end that adds video does not switch our camera on without the user's
 * consent. `none`: no video (an existing video stream is made inactive).
 */
export type VideoMode = "none" | "receive" | "send";

/** How the last completed offer/answer left the session's video. */
export interface Negotiated {
  videoSending: boolean;
  videoReceiving: boolean;
  /** The far end turned video off while audio flows both ways (not a hold). */
  videoRemoved: boolean;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export type SdpType = "offer" | "answer";

/** What the host hears of a session's ICE (RTCPeerConnection.iceConnectionState, folded). */
export type IcePathState = "connected" | "disconnected" | "failed";

export interface VideoStats {
  /** Inbound: frames decoded so far and the last frame's size. */
  framesDecoded: number;
  frameWidth?: number;
  frameHeight?: number;
  /** Outbound: frames encoded (stops rising while the camera is off). */
  framesEncoded: number;
  bytesReceived: number;
  bytesSent: number;
}

export interface MediaStats {
  sessionId: string;
  iceState?: string;
  dtlsState?: string;
  bytesSent: number;
  bytesReceived: number;
  packetsReceived: number;
  /** 0..1, from the inbound audio's level. */
  inboundLevel: number;
  /** 0..1, from the microphone's level. */
  outboundLevel: number;
  codec?: string;
  /** Epoch ms when the first remote audio packet arrived (the remote track unmuted). */
  firstPacketAt?: number;
  /** Present while the session has a video stream. */
  video?: VideoStats;
  /** Epoch ms of the first remote video frame painted. */
  firstFrameAt?: number;
  /** Epoch ms when ICE first connected. */
  iceConnectedAt?: number;
  /** Codec, bitrate, loss, jitter, round trip and MOS over the last second (the periodic reports). */
  quality?: MediaQuality;
}

/** Microphones, speakers and cameras, as the browser names them. */
export type DeviceKind = "audioinput" | "audiooutput" | "videoinput";

export const DEVICE_KINDS: readonly DeviceKind[] = ["audioinput", "audiooutput", "videoinput"];

/** What people call each kind (the call window's notices, the host's pickers and warnings). */
export const DEVICE_KIND_NAMES: Record<DeviceKind, string> = {
  audioinput: "Microphone",
  audiooutput: "Speaker",
  videoinput: "Camera",
};

export interface DeviceInfo {
  kind: DeviceKind;
  deviceId: string;
  label: string;
}

/**
 * The user's device per kind: its id, and its label to find it again when the browser gives it
 * a new id (ids change with the origin and after the browser's data is cleared).
 */
export type DeviceChoices = Partial<Record<DeviceKind, { deviceId: string; label: string }>>;

/** The microphone's processing (settings softphone.audio.*). */
export interface AudioProcessing {
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
}

/** Everything the host may ask of or tell the call window. */
export interface HostToWindow {
  requests: {
    /** Create (or re-create, for hold/unhold/video re-INVITEs) our local SDP for a media session. */
    "media.getDescription": {
      params: {
        session: MediaSessionRef;
        hold: boolean;
        video: VideoMode;
        iceServers: IceServer[];
        /** Upper bound for ICE gathering; the call never waits longer. */
        iceGatheringTimeoutMs: number;
        /** An offer with new ICE credentials (the path was lost: ICE starts over). */
        iceRestart?: boolean;
      };
      /** `negotiated` when this was an answer (the offer/answer is complete). */
      result: { sdp: string; type: SdpType; negotiated?: Negotiated };
    };
    /**
     * Apply the remote party's SDP. Whether it is an offer or an answer follows from the
     * peer connection's signaling state, exactly as in sip.js's own browser handler.
     */
    "media.setDescription": {
      /** `streams`: for a room's receiving session, what each active m-line of this offer carries. */
      params: { session: MediaSessionRef; sdp: string; iceServers: IceServer[]; streams?: ReceivedStream[] };
      /** `negotiated` when this was an answer to our offer. */
      result: { negotiated?: Negotiated };
    };
    "media.rollback": { params: { sessionId: string }; result: null };
    "media.stats": { params: { sessionId: string }; result: MediaStats | null };
  };
  notes: {
    "media.close": { sessionId: string };
    /** The host sent the window's spare offer (see "media.spare") in this session's INVITE. */
    "media.claim": { session: MediaSessionRef; spareId: string };
    "media.mute": { sessionId: string; muted: boolean };
    /** Video mute: the camera's frames stop (nothing is sent), without renegotiation. */
    "media.camera": { sessionId: string; off: boolean };
    /**
     * Mix these sessions into one local conference (each party hears us and the others); an
     * empty list (or one session) ends it. Replaces the previous list.
     */
    "media.conference": { sessionIds: string[] };
    /** Start or stop recording the session: both directions, ours left, theirs right. */
    "media.record": { sessionId: string; on: boolean };
    /** RFC 4733 tones through the RTP sender. */
    "media.dtmf": { sessionId: string; tones: string; durationMs: number; gapMs: number };
    /** Text for a data-only session's channel (sent once it is open; see isDataOnly). */
    "media.data": { sessionId: string; text: string };
    /** The calls as the window should show them. */
    "calls.changed": { calls: CallView[] };
    /** The room we are in (null: none), for the call window's tiles. */
    "room.changed": { room: RoomStateView | null };
    /** Start/stop the incoming-call ring. */
    "ring.set": { ringing: boolean };
    /** The devices and microphone processing to use (sent after hello and on every change). */
    "devices.use": { choices: DeviceChoices; processing: AudioProcessing };
    /** Open the device test (microphone meter, speaker tone, camera preview). */
    "devices.test": Record<never, never>;
    /** Another window took over; this one should stop reconnecting. */
    "window.superseded": { reason: string };
  };
}

/** Everything the call window may ask of or tell the host. */
export interface WindowToHost {
  requests: {
    /** First message after every (re)connect. `mediaSessionIds`: the media sessions this page holds. */
    "window.hello": {
      params: { protocolVersion: number; mediaSessionIds: string[]; userAgent: string };
      result: { calls: CallView[]; room?: RoomStateView | null };
    };
  };
  notes: {
    /** What the user clicked in the window (the one action table). */
    "call.action": CallAction;
    "room.action": RoomAction;
    "media.stats": MediaStats;
    /** A session's ICE lost its path ("disconnected", "failed") or has one again ("connected"). */
    "media.ice": { sessionId: string; state: IcePathState };
    /**
     * An offer the window prepared ahead (microphone track added, candidates gathered) that the
     * host may send in its next outgoing INVITE instead of asking for one; null withdraws it.
     * The host then says which call took it ("media.claim").
     */
    "media.spare": { spare: { id: string; sdp: string; iceServers: IceServer[] } | null };
    /** Text that arrived on a data-only session's channel. */
    "media.data": { sessionId: string; text: string };
    /** A data-only session's channel is open: text can flow. */
    "media.dataOpen": { sessionId: string };
    /** A media failure the user should hear about (e.g. microphone denied). */
    "media.error": { sessionId?: string; message: string };
    /**
     * A piece of a session's recording (MediaRecorder output, base64), in order from seq 0; the
     * last one of a recording has `final` (it may be empty).
     */
    "media.recording": { sessionId: string; seq: number; data: string; final: boolean; mimeType: string };
    /** The devices the browser offers (at connect and on every devicechange), and which are in use. */
    "devices.list": { devices: DeviceInfo[]; inUse: Partial<Record<DeviceKind, string>> };
    /** The user picked a device in the call window. */
    "devices.choose": { kind: DeviceKind; deviceId: string; label: string };
    /** A chosen device is gone (unplugged, or unknown here): the default took over. */
    "devices.fallback": { kind: DeviceKind; wanted: string; using: string };
    /** The page is being closed or reloaded by the user. */
    "window.closing": { mediaSessionIds: string[] };
  };
}

/** The host's end of the channel. */
export type HostCallWindowChannel = {
  inRequests: WindowToHost["requests"];
  inNotes: WindowToHost["notes"];
  outRequests: HostToWindow["requests"];
  outNotes: HostToWindow["notes"];
};

/** The call window's end of the channel. */
export type CallWindowHostChannel = Mirror<HostCallWindowChannel>;
