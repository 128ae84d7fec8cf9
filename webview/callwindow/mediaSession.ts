// One media session (a SIP call's media today): its RTCPeerConnection, the tracks it sends
// (clones of the shared microphone and camera captures) and the remote streams it receives.
// Offer/answer follow the peer connection's signaling state, as sip.js's browser handler does,
// so the host only forwards SDP and says what it wants of video (VideoMode). The peer
// connection and its streams only: playback is RemotePlayback's, tiles are Svelte's (VideoTile).
import { isScreenShare, sendsOurMedia, type IcePathState, type IceServer, type MediaSessionRef, type MediaStats, type Negotiated, type SdpType, type VideoMode } from "../../src/protocol/callWindow";
import type { SharedCapture } from "./capture";
import { peerConfiguration, waitForIceGathering, type PreparedPeer } from "./ice";
import { whenFirstFrame } from "./playback";
import { summarizeStats, type StatsSnapshot } from "./statsSummary";
import type { MediaQuality } from "../../src/protocol/quality";

/** What the page shows of a session: its streams, and whether video flows each way. */
export interface SessionView {
  session: MediaSessionRef;
  remoteVideo: MediaStream;
  localVideo: MediaStream;
  /** The far end's video is negotiated to reach us. */
  receivingVideo: boolean;
  /** Our camera is negotiated, on, and has a track. */
  sendingVideo: boolean;
  /** The far end's audio has arrived (early media while ringing, or the call's audio). */
  audioArrived: boolean;
}

export interface LocalDevices {
  microphone: SharedCapture;
  camera: SharedCapture;
  /** A screen capture of its own (getDisplayMedia): a room's screen share sends it instead of a camera. */
  screen(): Promise<MediaStreamTrack>;
}

/** How long one peer-connection operation may take before the host is told it failed. */
const OPERATION_TIMEOUT_MS = 10000;

/**
 * A browser operation that never settles must not hold the call (the host waits 30 s, the far
 * end gives up): fail it by name, so the error says which one hung.
 */
function watchdog<T>(what: string, operation: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the browser did not finish ${what} within ${OPERATION_TIMEOUT_MS / 1000} s`)), OPERATION_TIMEOUT_MS);
  });
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}

const SIMULCAST_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: "h", active: true, maxBitrate: 900_000 },
  { rid: "m", active: true, maxBitrate: 300_000, scaleResolutionDownBy: 2 },
  { rid: "l", active: true, maxBitrate: 100_000, scaleResolutionDownBy: 4 },
];

const SENDING = new Set<RTCRtpTransceiverDirection | null>(["sendrecv", "sendonly"]);
const RECEIVING = new Set<RTCRtpTransceiverDirection | null>(["sendrecv", "recvonly"]);

export class MediaSession {
  readonly pc: RTCPeerConnection;
  private readonly hostCandidatesOnly: boolean;
  /** Our clones of the shared captures (see SharedCapture). */
  private mic: MediaStreamTrack | undefined;
  private cam: MediaStreamTrack | undefined;
  private closed = false;
  /** The far end's audio: the engine plays it (RemotePlayback). */
  readonly remoteAudio = new MediaStream();
  private readonly remoteVideo = new MediaStream();
  private readonly localVideo = new MediaStream();
  private muted = false;
  private cameraOff = false;
  private videoWanted: VideoMode = "none";
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private lastInboundEnergy = 0;
  private lastInboundDuration = 0;
  private firstPacketAt: number | undefined;
  private firstFrameAt: number | undefined;
  private iceConnectedAt: number | undefined;
  /** The path's state last told to the host (see reportPath). */
  private pathState: IcePathState | undefined;
  /** The periodic report's counters, for per-second bitrates and loss (see summarizeStats). */
  private snapshot: StatsSnapshot | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private quality: MediaQuality | undefined;
  private readonly localAudioListeners = new Set<(track: MediaStreamTrack) => void>();
  /** What the audio sender carries instead of the microphone clone (a conference mix). */
  private mixed: MediaStreamTrack | undefined;
  /** We hold the call: negotiated (`holding`), and asked for in the offer or answer under way. */
  private holding = false;
  private holdWanted = false;

  constructor(
    readonly session: MediaSessionRef,
    iceServers: IceServer[],
    private readonly devices: LocalDevices,
    private readonly hooks: {
      /** Every second: the session's figures, and the report they came from. */
      onStats(s: MediaStats, report: RTCStatsReport): void;
      /** A remote audio track arrived: (re)start playing remoteAudio. */
      onRemoteAudio(): void;
      onView(v: SessionView): void;
      /** The user stopped sharing their screen (the browser's own "Stop sharing"). */
      onScreenEnded?(): void;
      /** ICE lost its path or has one again (the host restarts ICE when it failed). */
      onIce?(state: IcePathState): void;
    },
    /** A peer connection made ahead for these ICE servers (Prewarm), else one is made now. */
    prepared?: PreparedPeer,
  ) {
    this.pc = prepared?.pc ?? new RTCPeerConnection(peerConfiguration(iceServers));
    this.mic = prepared?.track;
    this.hostCandidatesOnly = iceServers.length === 0;
    this.pc.addEventListener("track", (ev) => this.onRemoteTrack(ev.track));
    this.pc.addEventListener("iceconnectionstatechange", () => {
      const s = this.pc.iceConnectionState;
      if (s === "connected" || s === "completed") this.iceConnectedAt ??= Date.now();
      this.reportPath();
    });
    // Chromium leaves iceConnectionState at "disconnected" when consent expires (or a restarted
    // ICE finds no path): only connectionState says "failed".
    this.pc.addEventListener("connectionstatechange", () => this.reportPath());
    this.statsTimer = setInterval(() => void this.reportStats(), 1000);
    this.unsubscribe.push(
      devices.microphone.onSwitch(() => this.swapMicrophone()),
      devices.camera.onSwitch(() => this.swapCamera()),
    );
  }

  /** The path's state, told to the host when it changes (it restarts ICE when the path is lost). */
  private reportPath(): void {
    const ice = this.pc.iceConnectionState;
    const state: IcePathState | undefined =
      this.pc.connectionState === "failed" || ice === "failed" ? "failed" : ice === "disconnected" ? "disconnected" : ice === "connected" || ice === "completed" ? "connected" : undefined;
    if (!state || state === this.pathState || this.closed) return;
    this.pathState = state;
    this.hooks.onIce?.(state);
  }

  /** The microphone moved to another device: send a clone of the new capture instead (no renegotiation). */
  private async swapMicrophone(): Promise<void> {
    if (!this.mic || this.closed) return;
    const next = await this.devices.microphone.track();
    next.enabled = !this.muted;
    const old = this.mic;
    this.mic = next;
    // In a conference the sender carries the mix, which follows the new clone through the listeners.
    if (!this.mixed) await this.sendAudio();
    this.devices.microphone.drop(old);
    for (const listener of this.localAudioListeners) listener(next);
  }

  /** The camera moved to another device: the same, for video (and the preview). */
  private async swapCamera(): Promise<void> {
    if (!this.cam || this.closed || isScreenShare(this.session.owner)) return;
    const old = this.cam;
    const next = await this.devices.camera.track();
    const sender = this.pc.getSenders().find((s) => s.track === old);
    await sender?.replaceTrack(next);
    this.localVideo.removeTrack(old);
    this.localVideo.addTrack(next);
    this.devices.camera.drop(old);
    this.cam = next;
    this.publishView();
  }

  get id(): string {
    return this.session.id;
  }

  /** The audio we send (the microphone clone; disabled while muted), for recording. */
  get localAudioTrack(): MediaStreamTrack | undefined {
    return this.mic;
  }

  /** Told when the microphone clone changes (device switch): a recorder and a conference mix follow it. */
  watchLocalAudio(listener: (track: MediaStreamTrack) => void): () => void {
    this.localAudioListeners.add(listener);
    return () => this.localAudioListeners.delete(listener);
  }

  /**
   * Send `track` instead of our microphone (a conference: our voice mixed with the other
   * parties'), or the microphone again with undefined. No renegotiation: the sender's track only.
   */
  async sendInstead(track: MediaStreamTrack | undefined): Promise<void> {
    this.mixed = track;
    await this.sendAudio();
  }

  /**
   * Put on the audio sender what the far end should hear: nothing while we hold the call (a
   * held party must not hear us; sendonly only leaves room for music on hold), else the
   * conference mix or our microphone.
   */
  private async sendAudio(): Promise<void> {
    const track = this.holding ? null : (this.mixed ?? this.mic ?? null);
    // Always replaced, even when sender.track already looks right: an earlier replaceTrack
    // still queued on the peer connection would otherwise land last and win.
    await this.audioSender()?.replaceTrack(track);
  }

  private audioSender(): RTCRtpSender | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === "audio" && t.currentDirection !== "stopped")?.sender;
  }

  /** Epoch ms when ICE first connected (undefined: not yet). */
  get connectedAt(): number | undefined {
    return this.iceConnectedAt;
  }

  /** The far end's audio has arrived (early media, or the call's). */
  get audioArrived(): boolean {
    return this.firstPacketAt !== undefined;
  }

  async getDescription(hold: boolean, video: VideoMode, iceGatheringTimeoutMs: number, iceRestart = false): Promise<{ sdp: string; type: SdpType; negotiated?: Negotiated }> {
    // A room subscription only receives: no microphone, no camera.
    const sends = sendsOurMedia(this.session.owner);
    // A screen share sends the screen only (our voice goes with what we publish).
    const screen = isScreenShare(this.session.owner);
    if (sends) await this.ensureMicrophone();
    this.holdWanted = hold;
    const answering = this.pc.signalingState === "have-remote-offer";
    for (const t of this.pc.getTransceivers()) {
      if (t.currentDirection === "stopped" || t.receiver.track.kind !== "audio") continue;
      t.direction = !sends ? "recvonly" : hold ? "sendonly" : "sendrecv";
    }
    await this.prepareVideo(sends || screen ? video : "receive", hold, answering);
    let type: SdpType;
    if (answering) {
      type = "answer";
      const answer = await watchdog("createAnswer", this.pc.createAnswer());
      await watchdog("setLocalDescription(answer)", this.pc.setLocalDescription(answer));
    } else {
      type = "offer";
      await watchdog("createOffer", this.pc.createOffer({ iceRestart })).then((offer) => watchdog("setLocalDescription(offer)", this.pc.setLocalDescription(offer)));
    }
    await waitForIceGathering(this.pc, this.hostCandidatesOnly, iceGatheringTimeoutMs);
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error("no local description");
    return answering ? { sdp, type, negotiated: this.settle() } : { sdp, type };
  }

  async setDescription(sdp: string): Promise<{ negotiated?: Negotiated }> {
    const type: SdpType = this.pc.signalingState === "have-local-offer" ? "answer" : "offer";
    await watchdog(`setRemoteDescription(${type})`, this.pc.setRemoteDescription({ type, sdp }));
    return type === "answer" ? { negotiated: this.settle() } : {};
  }

  /**
   * Undo our offer that the far end refused. The transceivers' wished directions (set for that
   * offer, e.g. sendonly for hold) go back to what is negotiated, so the refused change does not
   * ride along with the next offer or answer.
   */
  async rollback(): Promise<void> {
    if (this.pc.signalingState !== "stable") await this.pc.setLocalDescription({ type: "rollback" });
    this.holdWanted = this.holding;
    for (const t of this.pc.getTransceivers()) {
      const current = t.currentDirection;
      if (current && current !== "stopped" && t.direction !== "stopped") t.direction = current;
    }
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.mic) this.mic.enabled = !muted;
  }

  /**
   * Video mute: with the camera off the sender has no track, so no frames are sent at all (the
   * far end's video stops; a disabled track would still send black frames), and our clone is
   * given back so the camera light goes off. No renegotiation either way.
   */
  async setCameraOff(off: boolean): Promise<void> {
    this.cameraOff = off;
    const t = this.videoTransceiver();
    if (off) {
      await t?.sender.replaceTrack(null);
      this.dropCamera();
    } else if (t && SENDING.has(t.currentDirection)) {
      await t.sender.replaceTrack(await this.ensureCamera());
    }
    this.publishView();
  }

  sendDtmf(tones: string, durationMs: number, gapMs: number): boolean {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === "audio");
    if (!sender?.dtmf || !sender.dtmf.canInsertDTMF) return false;
    sender.dtmf.insertDTMF(tones, Math.max(40, durationMs), Math.max(30, gapMs));
    return true;
  }

  /** The session's figures now; `report` when the caller already has one. */
  async stats(report?: RTCStatsReport): Promise<MediaStats> {
    report ??= await watchdog("getStats", this.pc.getStats());
    const out: MediaStats = { sessionId: this.id, bytesSent: 0, bytesReceived: 0, packetsReceived: 0, inboundLevel: 0, outboundLevel: 0 };
    const codecs = new Map<string, string>();
    let inboundCodec: string | undefined;
    let video: NonNullable<MediaStats["video"]> | undefined;
    const videoStats = () => (video ??= { framesDecoded: 0, framesEncoded: 0, bytesReceived: 0, bytesSent: 0 });
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
      if (s.type === "inbound-rtp" && s.kind === "video") {
        const v = videoStats();
        v.framesDecoded += s.framesDecoded ?? 0;
        v.bytesReceived += s.bytesReceived ?? 0;
        if (s.frameWidth) v.frameWidth = s.frameWidth;
        if (s.frameHeight) v.frameHeight = s.frameHeight;

      }
      if (s.type === "outbound-rtp" && s.kind === "video") {
        const v = videoStats();
        v.framesEncoded += s.framesEncoded ?? 0;
        v.bytesSent += s.bytesSent ?? 0;
      }
      if (s.type === "transport") {
        out.iceState = s.iceState;
        out.dtlsState = s.dtlsState;
      }
    });
    if (inboundCodec) out.codec = codecs.get(inboundCodec);
    if (this.firstPacketAt !== undefined) out.firstPacketAt = this.firstPacketAt;
    if (video) out.video = video;
    if (this.firstFrameAt !== undefined) out.firstFrameAt = this.firstFrameAt;
    if (this.iceConnectedAt !== undefined) out.iceConnectedAt = this.iceConnectedAt;
    if (this.quality) out.quality = this.quality;
    return out;
  }

  close(): void {
    this.closed = true;
    this.localAudioListeners.clear();
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    for (const off of this.unsubscribe) off();
    // Our clones only: the shared captures stay open for the other sessions.
    this.devices.microphone.drop(this.mic);
    this.dropCamera();
    this.pc.close();
  }

  // ---- internals ----

  private onRemoteTrack(track: MediaStreamTrack): void {
    if (track.kind === "video") {
      if (!this.remoteVideo.getTracks().includes(track)) this.remoteVideo.addTrack(track);
      this.watchFirstFrame(track);
      this.publishView();
      return;
    }
    if (!this.remoteAudio.getTracks().includes(track)) this.remoteAudio.addTrack(track);
    // A remote track starts muted and unmutes when its first RTP packet arrives.
    const markFirstPacket = () => {
      if (this.firstPacketAt !== undefined) return;
      this.firstPacketAt = Date.now();
      this.publishView(); // the page stops its own ringback when early media plays
    };
    if (!track.muted) markFirstPacket();
    track.addEventListener("unmute", markFirstPacket, { once: true });
    this.hooks.onRemoteAudio();
  }

  /** Setup timings and the bench: when the far end's first video frame was ready to paint. */
  private watchFirstFrame(track: MediaStreamTrack): void {
    if (this.firstFrameAt !== undefined) return;
    void whenFirstFrame(track).then((at) => (this.firstFrameAt ??= at));
  }

  private videoTransceiver(): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === "video" && t.currentDirection !== "stopped" && t.direction !== "stopped");
  }

  /**
   * Set the video transceiver up for the next offer or answer. In an answer we accept the far
   * end's video whatever our mode (they chose to send it; our camera still needs `send`).
   */
  private async prepareVideo(mode: VideoMode, hold: boolean, answering: boolean): Promise<void> {
    this.videoWanted = mode;
    let t = this.videoTransceiver();
    if (!t) {
      // Answering an offer without video, or offering without wanting any: no video m-line.
      if (answering || mode === "none") return;
      // What we publish in a room goes out in three simulcast layers (full, half, quarter size):
      // the server forwards each subscriber the one its tile needs (janus.js's rids and order).
      const owner = this.session.owner;
      const simulcast = owner.kind === "room" && owner.feed === "publish" && mode === "send";
      t = this.pc.addTransceiver("video", { direction: "recvonly", streams: [this.localVideo], ...(simulcast ? { sendEncodings: SIMULCAST_LAYERS } : {}) });
    }
    const send = mode === "send";
    if (send && !this.cameraOff) await t.sender.replaceTrack(await this.ensureCamera());
    else {
      await t.sender.replaceTrack(null);
      if (!send) this.dropCamera();
    }
    const receive = mode !== "none" || answering;
    let direction: RTCRtpTransceiverDirection = send ? (receive ? "sendrecv" : "sendonly") : receive ? "recvonly" : "inactive";
    if (hold) direction = send ? "sendonly" : "inactive";
    t.direction = direction;
  }

  /**
   * An offer/answer completed: what video now does. `videoRemoved` when the far end turned
   * video off while audio flows both ways (hold makes everything one-way or inactive: that is
   * not a removal).
   */
  private settle(): Negotiated {
    const video = this.videoTransceiver();
    const audio = this.pc.getTransceivers().find((t) => t.receiver.track.kind === "audio");
    const sending = !!video && SENDING.has(video.currentDirection) && this.videoWanted === "send";
    const receiving = !!video && RECEIVING.has(video.currentDirection);
    const audioBothWays = audio?.currentDirection === "sendrecv";
    this.holding = this.holdWanted;
    void this.sendAudio().catch(() => undefined);
    if (!sending && this.cam) {
      void video?.sender.replaceTrack(null);
      this.dropCamera();
    }
    this.publishView();
    return { videoSending: sending, videoReceiving: receiving, videoRemoved: audioBothWays && !sending && !receiving };
  }

  private publishView(): void {
    if (this.closed) return;
    const video = this.videoTransceiver();
    this.hooks.onView({
      session: this.session,
      remoteVideo: this.remoteVideo,
      localVideo: this.localVideo,
      receivingVideo: !!video && RECEIVING.has(video.currentDirection),
      sendingVideo: !!video && SENDING.has(video.currentDirection) && !!this.cam && !this.cameraOff,
      audioArrived: this.firstPacketAt !== undefined,
    });
  }

  private async ensureMicrophone(): Promise<void> {
    if (this.mic) return;
    const track = await this.devices.microphone.track();
    if (this.closed || this.mic) {
      this.devices.microphone.drop(track); // the session ended (or another request got here first) meanwhile
      if (this.closed) throw new Error("the call ended");
      return;
    }
    this.mic = track;
    track.enabled = !this.muted;
    // Reuse a transceiver the remote offer created, so the answer stays one m-line.
    const free = this.pc.getTransceivers().find((t) => t.receiver.track.kind === "audio" && !t.sender.track);
    if (free) {
      free.direction = "sendrecv";
      await this.sendAudio();
    } else {
      this.pc.addTrack(track, new MediaStream([track]));
    }
  }

  private async ensureCamera(): Promise<MediaStreamTrack> {
    if (this.cam) return this.cam;
    const screen = isScreenShare(this.session.owner);
    const track = screen ? await this.devices.screen() : await this.devices.camera.track();
    if (screen) track.addEventListener("ended", () => this.hooks.onScreenEnded?.(), { once: true });
    if (this.closed || this.cam) {
      if (screen) track.stop();
      else this.devices.camera.drop(track);
      if (this.closed) throw new Error("the call ended");
      return this.cam!;
    }
    this.cam = track;
    this.localVideo.addTrack(track);
    return track;
  }

  private dropCamera(): void {
    if (!this.cam) return;
    this.localVideo.removeTrack(this.cam);
    if (isScreenShare(this.session.owner)) this.cam.stop(); // our own capture, not a clone
    else this.devices.camera.drop(this.cam);
    this.cam = undefined;
  }

  /** Every second: the figures plus quality over that second, to the page and the host. */
  private async reportStats(): Promise<void> {
    try {
      const report = await watchdog("getStats", this.pc.getStats());
      const now = Date.now();
      const { quality, snapshot } = summarizeStats([...report.values()], this.snapshot, now);
      this.snapshot = snapshot;
      this.quality = quality;
      this.hooks.onStats(await this.stats(report), report);
    } catch {
      /* closed meanwhile */
    }
  }
}
