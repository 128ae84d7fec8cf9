// One call's media: an RTCPeerConnection, the microphone track we send, the remote audio we
// play. Offer/answer follow the peer connection's signaling state, as sip.js's browser handler
// does, so the host only forwards SDP and never has to track it.
import type { IceServer, MediaStats, SdpType } from "../../src/protocol/callWindow";
import type { Microphone } from "./microphone";

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

export class PeerSession {
  readonly pc: RTCPeerConnection;
  private readonly hostCandidatesOnly: boolean;
  /** Our own clone of the shared microphone capture (see Microphone). */
  private local: MediaStreamTrack | undefined;
  private closed = false;
  private readonly remote = new MediaStream();
  readonly audio: HTMLAudioElement;
  private muted = false;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private lastInboundEnergy = 0;
  private lastInboundDuration = 0;
  private firstPacketAt: number | undefined;

  constructor(
    readonly callId: string,
    iceServers: IceServer[],
    private readonly microphone: Microphone,
    private readonly onStats: (s: MediaStats) => void,
    private readonly onPlaybackBlocked: () => void,
    /** A peer connection made ahead for these ICE servers (Prewarm), else one is made now. */
    prepared?: PreparedPeer,
  ) {
    this.pc = prepared?.pc ?? new RTCPeerConnection(peerConfiguration(iceServers));
    this.local = prepared?.track;
    this.hostCandidatesOnly = iceServers.length === 0;
    this.audio = document.createElement("audio");
    this.audio.autoplay = true;
    this.audio.dataset.callId = callId;
    this.audio.srcObject = this.remote;
    document.body.appendChild(this.audio);
    this.pc.addEventListener("track", (ev) => {
      this.remote.addTrack(ev.track);
      // A remote track starts muted and unmutes when its first RTP packet arrives.
      const markFirstPacket = () => (this.firstPacketAt ??= Date.now());
      if (!ev.track.muted) markFirstPacket();
      ev.track.addEventListener("unmute", markFirstPacket, { once: true });
      // Playing the remote stream is what makes Chromium compute inbound audio levels, and
      // what the user hears; a blocked autoplay is reported so the page can ask for a click.
      this.audio.play().catch(() => this.onPlaybackBlocked());
    });
    this.statsTimer = setInterval(() => void this.reportStats(), 1000);
  }

  async getDescription(hold: boolean, iceGatheringTimeoutMs: number): Promise<{ sdp: string; type: SdpType }> {
    await this.ensureMicrophone();
    for (const t of this.pc.getTransceivers()) {
      if (t.currentDirection === "stopped") continue;
      t.direction = hold ? "sendonly" : "sendrecv";
    }
    let type: SdpType;
    if (this.pc.signalingState === "have-remote-offer") {
      type = "answer";
      await this.pc.setLocalDescription(await this.pc.createAnswer());
    } else {
      type = "offer";
      await this.pc.setLocalDescription(await this.pc.createOffer());
    }
    await waitForIceGathering(this.pc, this.hostCandidatesOnly, iceGatheringTimeoutMs);
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error("no local description");
    return { sdp, type };
  }

  async setDescription(sdp: string): Promise<void> {
    const type: SdpType = this.pc.signalingState === "have-local-offer" ? "answer" : "offer";
    await this.pc.setRemoteDescription({ type, sdp });
  }

  async rollback(): Promise<void> {
    if (this.pc.signalingState !== "stable") await this.pc.setLocalDescription({ type: "rollback" });
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.local) this.local.enabled = !muted;
  }

  get isMuted(): boolean {
    return this.muted;
  }

  sendDtmf(tones: string, durationMs: number, gapMs: number): boolean {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === "audio");
    if (!sender?.dtmf || !sender.dtmf.canInsertDTMF) return false;
    sender.dtmf.insertDTMF(tones, Math.max(40, durationMs), Math.max(30, gapMs));
    return true;
  }

  async stats(): Promise<MediaStats> {
    const report = await this.pc.getStats();
    const out: MediaStats = { callId: this.callId, bytesSent: 0, bytesReceived: 0, packetsReceived: 0, inboundLevel: 0, outboundLevel: 0 };
    const codecs = new Map<string, string>();
    let inboundCodec: string | undefined;
    report.forEach((s: any) => {
      if (s.type === "codec") codecs.set(s.id, s.mimeType);
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        out.bytesReceived += s.bytesReceived ?? 0;
        out.packetsReceived += s.packetsReceived ?? 0;
        inboundCodec = s.codecId;
        // Level over the last interval from the energy counters (audioLevel alone is a snapshot).
        const energy = s.totalAudioEnergy ?? 0;
        const duration = s.totalSamplesDuration ?? 0;
        const dE = energy - this.lastInboundEnergy;
        const dT = duration - this.lastInboundDuration;
        this.lastInboundEnergy = energy;
        this.lastInboundDuration = duration;
        out.inboundLevel = dT > 0 ? Math.sqrt(Math.max(0, dE) / dT) : s.audioLevel ?? 0;
      }
      if (s.type === "outbound-rtp" && s.kind === "audio") out.bytesSent += s.bytesSent ?? 0;
      if (s.type === "media-source" && s.kind === "audio") out.outboundLevel = s.audioLevel ?? 0;
      if (s.type === "transport") {
        out.iceState = s.iceState;
        out.dtlsState = s.dtlsState;
      }
    });
    if (inboundCodec) out.codec = codecs.get(inboundCodec);
    if (this.firstPacketAt !== undefined) out.firstPacketAt = this.firstPacketAt;
    return out;
  }

  close(): void {
    this.closed = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    this.local?.stop(); // this call's clone only: the shared capture stays open for the next call
    this.pc.close();
    this.audio.srcObject = null;
    this.audio.remove();
  }

  private async ensureMicrophone(): Promise<void> {
    if (this.local) return;
    const track = await this.microphone.track();
    if (this.closed || this.local) {
      track.stop(); // the call ended (or another request got here first) meanwhile
      if (this.closed) throw new Error("the call ended");
      return;
    }
    this.local = track;
    track.enabled = !this.muted;
    // Reuse a transceiver the remote offer created, so the answer stays one m-line.
    const free = this.pc.getTransceivers().find((t) => t.receiver.track.kind === "audio" && !t.sender.track);
    if (free) {
      await free.sender.replaceTrack(track);
      free.direction = "sendrecv";
    } else {
      this.pc.addTrack(track, new MediaStream([track]));
    }
  }

  private async reportStats(): Promise<void> {
    try {
      this.onStats(await this.stats());
    } catch {
      /* closed meanwhile */
    }
  }
}
