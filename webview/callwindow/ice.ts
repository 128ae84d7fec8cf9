// Peer connection set-up shared by media sessions and the prewarmed ones (see Prewarm).
import type { IceServer } from "../../src/protocol/callWindow";

/** How long to wait for more host candidates after the first one (see waitForIceGathering). */
const HOST_CANDIDATE_SETTLE_MS = 40;

export function peerConfiguration(iceServers: IceServer[], poolSize = 0): RTCConfiguration {
  return { iceServers, bundlePolicy: "balanced", rtcpMuxPolicy: "require", iceCandidatePoolSize: poolSize };
}

/**
 * Wait until the offer/answer carries enough candidates. Never longer than `timeoutMs`.
 * Without STUN/TURN servers only host candidates can exist, and a browser produces them all
 * at once: so after the first one we only wait a short settle time (when `settleEarly`),
 * instead of the gathering-complete event that also waits on TCP and other slow probes (≈100 ms).
 */
export function waitForIceGathering(pc: RTCPeerConnection, settleEarly: boolean, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    let settle: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      clearTimeout(settle);
      pc.removeEventListener("icegatheringstatechange", onState);
      pc.removeEventListener("icecandidate", onCandidate);
      resolve();
    };
    const onState = () => pc.iceGatheringState === "complete" && done();
    const onCandidate = (ev: RTCPeerConnectionIceEvent) => {
      if (!ev.candidate) return done();
      if (settleEarly && !settle) settle = setTimeout(done, HOST_CANDIDATE_SETTLE_MS);
    };
    // Never hold a call hostage to a slow STUN/TURN server: send what we have.
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener("icegatheringstatechange", onState);
    pc.addEventListener("icecandidate", onCandidate);
    if (settleEarly && /\r\na=candidate:/.test(pc.localDescription?.sdp ?? "")) {
      settle = setTimeout(done, HOST_CANDIDATE_SETTLE_MS);
    }
  });
}

/** A peer connection made before its call (see Prewarm), possibly with the call's microphone track. */
export interface PreparedPeer {
  pc: RTCPeerConnection;
  /** Already added to `pc`; the session owns it from now on. */
  track?: MediaStreamTrack;
}

