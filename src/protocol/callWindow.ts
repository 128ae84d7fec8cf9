// Host ↔ call window protocol (over the WebSocket served by src/media/callWindowServer.ts).
// The call window owns all media: microphone, RTCPeerConnections, playback, stats.
import type { CallAction } from "./callActions";
import type { CallView } from "./model";
import type { Mirror } from "./rpc";

export const CALL_WINDOW_PROTOCOL_VERSION = 1;

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export type SdpType = "offer" | "answer";

export interface MediaStats {
  callId: string;
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
}

/** Everything the host may ask of or tell the call window. */
export interface HostToWindow {
  requests: {
    /** Create (or re-create, for hold/unhold re-INVITEs) our local SDP for a call. */
    "media.getDescription": {
      params: {
        callId: string;
        hold: boolean;
        iceServers: IceServer[];
        /** Upper bound for ICE gathering; the call never waits longer. */
        iceGatheringTimeoutMs: number;
      };
      result: { sdp: string; type: SdpType };
    };
    /**
     * Apply the remote party's SDP. Whether it is an offer or an answer follows from the
     * peer connection's signaling state, exactly as in sip.js's own browser handler.
     */
    "media.setDescription": { params: { callId: string; sdp: string; iceServers: IceServer[] }; result: null };
    "media.rollback": { params: { callId: string }; result: null };
    "media.stats": { params: { callId: string }; result: MediaStats | null };
  };
  notes: {
    "media.close": { callId: string };
    /** The host sent the window's spare offer (see "media.spare") in this call's INVITE. */
    "media.claim": { callId: string; spareId: string };
    "media.mute": { callId: string; muted: boolean };
    /** RFC 4733 tones through the RTP sender. */
    "media.dtmf": { callId: string; tones: string; durationMs: number; gapMs: number };
    /** The calls as the window should show them. */
    "calls.changed": { calls: CallView[] };
    /** Start/stop the incoming-call ring. */
    "ring.set": { ringing: boolean };
    /** Another window took over; this one should stop reconnecting. */
    "window.superseded": { reason: string };
  };
}

/** Everything the call window may ask of or tell the host. */
export interface WindowToHost {
  requests: {
    /** First message after every (re)connect. `mediaCallIds`: calls whose media this page holds. */
    "window.hello": {
      params: { protocolVersion: number; mediaCallIds: string[]; userAgent: string };
      result: { calls: CallView[] };
    };
  };
  notes: {
    /** What the user clicked in the window (the one action table). */
    "call.action": CallAction;
    "media.stats": MediaStats;
    /**
     * An offer the window prepared ahead (microphone track added, candidates gathered) that the
     * host may send in its next outgoing INVITE instead of asking for one; null withdraws it.
     * The host then says which call took it ("media.claim").
     */
    "media.spare": { spare: { id: string; sdp: string; iceServers: IceServer[] } | null };
    /** A media failure the user should hear about (e.g. microphone denied). */
    "media.error": { callId?: string; message: string };
    /** The page is being closed or reloaded by the user. */
    "window.closing": { mediaCallIds: string[] };
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
