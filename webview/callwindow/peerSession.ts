// One call's media: an RTCPeerConnection, the microphone track we send, the remote audio we
// play. Offer/answer follow the peer connection's signaling state, as sip.js's browser handler
// does, so the host only forwards SDP and never has to track it.
import type { IceServer, MediaStats, SdpType } from "../../src/protocol/callWindow";
import type { Microphone } from "./microphone";

/** How long to wait for more host candidates after the first one (see waitForIceGathering). */
const HOST_CANDIDATE_SETTLE_MS = 40;
/** A spare peer connection is replaced after this long, so its pooled candidates stay current. */
const SPARE_MAX_AGE_MS = 120000;

function peerConfiguration(iceServers: IceServer[], poolSize = 0): RTCConfiguration {
  return { iceServers, bundlePolicy: "balanced", rtcpMuxPolicy: "require", iceCandidatePoolSize: poolSize };
}

/**
 * One peer connection made before the call that will use it: its certificate is generated and
 * its ICE candidates are gathered (iceCandidatePoolSize) while nobody waits, so the offer or
 * answer carries them at once. It is made for the ICE servers of the last call (none until
 * then, the default), replaced when it gets old, and a call with other servers makes its own.
 */
export class SparePeer {
  private spare: { pc: RTCPeerConnection; key: string } | undefined;
  private iceServers: IceServer[] = [];
  private refresh: ReturnType<typeof setTimeout> | undefined;

  /** Have a spare ready (for `iceServers`, else for those of the last call). */
  prepare(iceServers: IceServer[] = this.iceServers): void {
    this.iceServers = iceServers;
    const key = JSON.stringify(iceServers);
    if (this.spare?.key === key) return;
    this.discard();
    try {
      this.spare = { pc: new RTCPeerConnection(peerConfiguration(iceServers, 1)), key };
    } catch {
      return; // e.g. a malformed ICE server: the call will report it when it makes its own
    }
    this.refresh = setTimeout(() => {
      this.discard();
      this.prepare();
    }, SPARE_MAX_AGE_MS);
  }

  /** The spare if it was made for these ICE servers (the caller then owns it), else undefined. */
  take(iceServers: IceServer[]): RTCPeerConnection | undefined {
    this.iceServers = iceServers;
    const spare = this.spare;
    if (!spare || spare.key !== JSON.stringify(iceServers) || spare.pc.signalingState === "closed") return undefined;
    this.spare = undefined;
    clearTimeout(this.refresh);
    return spare.pc;
  }

  /** Close the spare (the window is closing or stands down). */
  discard(): void {
    clearTimeout(this.refresh);
    this.spare?.pc.close();
    this.spare = undefined;
  }
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
    /** A peer connection made ahead for these ICE servers (SparePeer), else one is made now. */
    prepared?: RTCPeerConnection,
  ) {
    this.pc = prepared ?? new RTCPeerConnection(peerConfiguration(iceServers));
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
    await this.waitForIceGathering(iceGatheringTimeoutMs);
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

  /**
   * Wait until the offer/answer carries enough candidates. Never longer than `timeoutMs`.
   * Without STUN/TURN servers only host candidates can exist, and a browser produces them all
   * at once: so after the first one we only wait a short settle time, instead of the
   * gathering-complete event that also waits on TCP and other slow probes (≈100 ms).
   */
  private waitForIceGathering(timeoutMs: number): Promise<void> {
    if (this.pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      let settle: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(settle);
        this.pc.removeEventListener("icegatheringstatechange", onState);
        this.pc.removeEventListener("icecandidate", onCandidate);
        resolve();
      };
      const onState = () => this.pc.iceGatheringState === "complete" && done();
      const onCandidate = (ev: RTCPeerConnectionIceEvent) => {
        if (!ev.candidate) return done();
        if (this.hostCandidatesOnly && !settle) settle = setTimeout(done, HOST_CANDIDATE_SETTLE_MS);
      };
      // Never hold a call hostage to a slow STUN/TURN server: send what we have.
      const timer = setTimeout(done, timeoutMs);
      this.pc.addEventListener("icegatheringstatechange", onState);
      this.pc.addEventListener("icecandidate", onCandidate);
      if (this.hostCandidatesOnly && /\r\na=candidate:/.test(this.pc.localDescription?.sdp ?? "")) {
        settle = setTimeout(done, HOST_CANDIDATE_SETTLE_MS);
      }
    });
  }

  private async reportStats(): Promise<void> {
    try {
      this.onStats(await this.stats());
    } catch {
      /* closed meanwhile */
    }
  }
}
