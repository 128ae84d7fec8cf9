// What the SIP layer needs from the media engine. The engine lives in the call window; the
// host reaches it through src/media/mediaEngine.ts. Tests can supply their own MediaPort.

export interface MediaPort {
  /** Our SDP for this call: an offer, or the answer to a pending remote offer. */
  getDescription(callId: string, options: { hold: boolean }): Promise<string>;
  setDescription(callId: string, sdp: string): Promise<void>;
  rollback(callId: string): Promise<void>;
  /** RFC 4733 tones; false when the tones are invalid or the call has no media. */
  sendDtmf(callId: string, tones: string, options?: { durationMs?: number; gapMs?: number }): boolean;
  setMuted(callId: string, muted: boolean): void;
  close(callId: string): void;
}
