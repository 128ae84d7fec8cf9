// Per-call media quality, as the call window measures it from RTCPeerConnection.getStats() and
// sends it to the host. Plain JSON (no classes, no Dates) so that it crosses the WebSocket and
// the webview boundary unchanged. Computed by webview/callwindow/statsSummary.ts; the MOS
// estimate and the grade thresholds live in src/calls/quality.ts.

export type QualityGrade = "good" | "fair" | "poor";

export interface StreamQuality {
  kind: "audio" | "video";
  /** Mime subtype without the "audio/" or "video/" prefix, e.g. "opus", "PCMU", "VP8". */
  codec?: string;
  /** Outbound bitrate over the last interval (0 on the first sample). */
  sendKbps: number;
  /** Inbound bitrate over the last interval (0 on the first sample). */
  receiveKbps: number;
  /**
   * Packet loss over the last interval, 0..100: the worse of what we lost inbound (from the
   * packetsLost / packetsReceived deltas) and what the peer reports losing of our stream
   * (remote-inbound-rtp fractionLost).
   */
  lossPercent: number;
  /** Inbound interarrival jitter. */
  jitterMs: number;
  /** Round trip, from remote-inbound-rtp roundTripTime or the ICE pair's currentRoundTripTime. */
  rttMs?: number;
  /** Audio only: estimated MOS, 1..4.5. */
  mos?: number;
  /** Video only: inbound frame size, frame rate and decoded frames. */
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  framesDecoded?: number;
  /** Video only: outbound frames encoded. */
  framesEncoded?: number;
}

export interface MediaQuality {
  audio?: StreamQuality;
  video?: StreamQuality;
  /** The audio grade when there is audio; for video-only calls, from the video's loss. */
  grade: QualityGrade;
  /** The audio MOS, when there is audio. */
  mos?: number;
  /** Epoch ms of the sample. */
  at: number;
}
