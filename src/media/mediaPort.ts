// What the SIP layer needs from the media engine, per media session. The engine lives in the
// call window; the host reaches it through src/media/mediaEngine.ts. Tests can supply their own
// MediaPort.
import type { MediaSessionRef, Negotiated, VideoMode } from "../protocol/callWindow";

export interface DescriptionOptions {
  hold: boolean;
  video: VideoMode;
  /** An offer with new ICE credentials (ICE starts over on a path that was lost). */
  iceRestart?: boolean;
}

export interface MediaPort {
  /** Our SDP for this session: an offer, or the answer to a pending remote offer. */
  getDescription(session: MediaSessionRef, options: DescriptionOptions): Promise<{ sdp: string; negotiated?: Negotiated }>;
  setDescription(session: MediaSessionRef, sdp: string): Promise<{ negotiated?: Negotiated }>;
  rollback(sessionId: string): Promise<void>;
  /** RFC 4733 tones; false when the tones are invalid or the session has no media. */
  sendDtmf(sessionId: string, tones: string, options?: { durationMs?: number; gapMs?: number }): boolean;
  setMuted(sessionId: string, muted: boolean): void;
  /** Video mute: stop (or restart) sending the camera's frames, without renegotiation. */
  setCameraOff(sessionId: string, off: boolean): void;
  close(sessionId: string): void;
}
