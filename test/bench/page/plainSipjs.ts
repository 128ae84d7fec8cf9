// The baselines for `npm run bench`: a plain sip.js page — everything (signaling and media) in
// one page — measured on the same bench as our extension's path (signaling in the host, media
// in the call window). One page per mode, so each page's heap is that mode's whole cost:
//
//   standard  sip.js as a developer gets it: its Web SessionDescriptionHandler as shipped, no
//             STUN server, ICE gathering capped at 500 ms (it waits for gathering to complete).
//   tuned     the same handler with the same early cut-off as our call window
//             (webview/callwindow/peerSession.ts): without STUN/TURN only host candidates can
//             exist, so the SDP goes out 40 ms after the first one — done from sip.js's own
//             candidate hook (peerConnectionDelegate.onicecandidate + iceGatheringComplete()).
//
// Video (a page of its own, see videoSetup): two user agents in one page, as our call window
// holds both ends of a call between two of our accounts — a caller and a callee that answers
// every call at once with video. Each end shows the far end's video and its own camera, as the
// call window's tiles do. The mode (standard or tuned) is chosen per call, for both ends.
import { Inviter, Registerer, RegistererState, SessionState, UserAgent, Web, type Invitation, type Session, type SessionDescriptionHandlerFactory } from "sip.js";

export type PlainMode = "standard" | "tuned";

/** Same value as HOST_CANDIDATE_SETTLE_MS in webview/callwindow/peerSession.ts. */
const HOST_CANDIDATE_SETTLE_MS = 40;
const ICE_GATHERING_TIMEOUT_MS = 500;

/**
 * sip.js's Web handler, unchanged except that without STUN/TURN servers it stops waiting for
 * ICE gathering 40 ms after the first host candidate, as our call window does.
 */
class EarlyCutoffSessionDescriptionHandler extends Web.SessionDescriptionHandler {
  private settle: ReturnType<typeof setTimeout> | undefined;
  private readonly hostCandidatesOnly: boolean;

  constructor(...args: ConstructorParameters<typeof Web.SessionDescriptionHandler>) {
    super(...args);
    const iceServers = args[2]?.peerConnectionConfiguration?.iceServers ?? [];
    this.hostCandidatesOnly = iceServers.length === 0;
    this.peerConnectionDelegate = {
      onicecandidate: (ev: RTCPeerConnectionIceEvent) => {
        if (ev.candidate) this.startSettle();
      },
    };
  }

  protected override waitForIceGatheringComplete(restart?: boolean, timeout?: number): Promise<void> {
    const waiting = super.waitForIceGatheringComplete(restart, timeout);
    // Candidates that arrived before we started waiting are already in the local description.
    if (/\r\na=candidate:/.test(this.peerConnection?.localDescription?.sdp ?? "")) this.startSettle();
    return waiting;
  }

  override close(): void {
    clearTimeout(this.settle);
    super.close();
  }

  private startSettle(): void {
    if (!this.hostCandidatesOnly || this.settle) return;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      this.iceGatheringComplete();
    }, HOST_CANDIDATE_SETTLE_MS);
  }
}

let ua: UserAgent | undefined;
let registerer: Registerer | undefined;
let currentMode: PlainMode | undefined;

const factoryOptions = { peerConnectionConfiguration: { iceServers: [] }, iceGatheringTimeout: ICE_GATHERING_TIMEOUT_MS };
const tunedFactory: SessionDescriptionHandlerFactory = (session: Session) =>
  new EarlyCutoffSessionDescriptionHandler(session.userAgent.getLogger("sip.SessionDescriptionHandler"), Web.defaultMediaStreamFactory(), {
    iceGatheringTimeout: factoryOptions.iceGatheringTimeout,
    peerConnectionConfiguration: { ...Web.defaultPeerConnectionConfiguration(), ...factoryOptions.peerConnectionConfiguration },
  });

function userAgent(server: string, user: string, password: string, domain: string, factory?: SessionDescriptionHandlerFactory): UserAgent {
  return new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@${domain}`),
    authorizationUsername: user,
    authorizationPassword: password,
    transportOptions: { server },
    logBuiltinEnabled: false,
    sessionDescriptionHandlerFactoryOptions: factoryOptions,
    ...(factory ? { sessionDescriptionHandlerFactory: factory } : {}),
  });
}

async function registerUa(agent: UserAgent): Promise<Registerer> {
  const reg = new Registerer(agent);
  await new Promise<void>((resolve, reject) => {
    reg.stateChange.addListener((s) => s === RegistererState.Registered && resolve());
    reg.register().catch(reject);
    setTimeout(() => reject(new Error("register timeout")), 5000);
  });
  return reg;
}

async function register(server: string, user: string, password: string, domain: string, mode: PlainMode): Promise<void> {
  if (mode !== "standard" && mode !== "tuned") throw new Error(`unknown mode ${mode}`);
  currentMode = mode;
  ua = userAgent(server, user, password, domain, mode === "tuned" ? tunedFactory : undefined);
  await ua.start();
  registerer = await registerUa(ua);
}

/** Give the AOR back (REGISTER with Expires: 0) and close the connection, so another client can take it. */
async function unregister(): Promise<void> {
  const reg = registerer;
  registerer = undefined;
  if (reg && reg.state === RegistererState.Registered) {
    await new Promise<void>((resolve, reject) => {
      reg.stateChange.addListener((s) => s === RegistererState.Unregistered && resolve());
      reg.unregister().catch(reject);
      setTimeout(() => reject(new Error("unregister timeout")), 5000);
    });
  }
  await ua?.stop();
  ua = undefined;
}

/**
 * One call: ms from invite() to Established and to the first remote audio packet; then hold
 * it `holdMs`, BYE (we are the caller) and wait until the session is Terminated.
 */
async function call(target: string, holdMs: number): Promise<{ incallMs: number; firstAudioMs: number; mode: PlainMode | undefined }> {
  if (!ua) throw new Error("register first");
  let firstAudio = 0;
  const audio = document.createElement("audio");
  audio.autoplay = true;
  const inviter = new Inviter(ua, UserAgent.makeURI(target)!, {
    sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } },
    delegate: {
      // Measurement only (no change to the handler): the remote track, as soon as it exists.
      onSessionDescriptionHandler: (sdh) => {
        const pc = (sdh as Web.SessionDescriptionHandler).peerConnection;
        pc?.addEventListener("track", (ev) => {
          audio.srcObject = new MediaStream([ev.track]);
          void audio.play().catch(() => undefined);
          if (!ev.track.muted) firstAudio ||= performance.now();
          else ev.track.addEventListener("unmute", () => (firstAudio ||= performance.now()), { once: true });
        });
      },
    },
  });
  const t0 = performance.now();
  let incall = 0;
  const terminated = new Promise<void>((resolve) => inviter.stateChange.addListener((s) => s === SessionState.Terminated && resolve()));
  const established = new Promise<void>((resolve, reject) => {
    inviter.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        incall = performance.now();
        resolve();
      }
      if (s === SessionState.Terminated && !incall) reject(new Error("call failed"));
    });
  });
  await inviter.invite();
  await established;
  const end = performance.now() + 5000;
  while (!firstAudio && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, holdMs));
  await inviter.bye();
  await terminated;
  audio.srcObject = null;
  return { incallMs: incall - t0, firstAudioMs: firstAudio ? firstAudio - t0 : NaN, mode: currentMode };
}

/** Heap after a full garbage collection (the page runs with --js-flags=--expose-gc). */
function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN;
}

// ---- video: a caller and a callee in this page ----

const VIDEO_CONSTRAINTS = { audio: true, video: true };
let videoMode: PlainMode = "standard";
let videoCaller: UserAgent | undefined;
let videoCallee: UserAgent | undefined;
let videoCalleeRegisterer: Registerer | undefined;

/** One end of a video call: its session, the far end's video and audio, its own camera's preview. */
interface VideoLeg {
  session?: Session;
  pc?: RTCPeerConnection;
  box: HTMLDivElement;
  remoteVideo: HTMLVideoElement;
  localVideo: HTMLVideoElement;
  audio: HTMLAudioElement;
  /** performance.now() when the far end's first video frame was ready to paint. */
  firstFrame: number;
  frameSeen: Promise<void>;
  onFrame: () => void;
  established: number;
  terminated: Promise<void>;
}

let outgoing: VideoLeg | undefined;
let incoming: VideoLeg | undefined;

function newLeg(): VideoLeg {
  const box = document.createElement("div");
  box.style.cssText = "position:relative;display:inline-block;width:480px;height:360px;background:#000;margin:4px";
  const remoteVideo = document.createElement("video");
  remoteVideo.style.cssText = "width:100%;height:100%;object-fit:contain";
  const localVideo = document.createElement("video");
  localVideo.style.cssText = "position:absolute;right:8px;bottom:8px;width:28%;transform:scaleX(-1);object-fit:cover";
  for (const v of [remoteVideo, localVideo]) {
    v.muted = true;
    v.autoplay = true;
    v.playsInline = true;
    box.appendChild(v);
  }
  const audio = document.createElement("audio");
  audio.autoplay = true;
  box.appendChild(audio);
  document.body.appendChild(box);
  let onFrame = () => undefined as void;
  const frameSeen = new Promise<void>((resolve) => (onFrame = resolve));
  return { box, remoteVideo, localVideo, audio, firstFrame: 0, frameSeen, onFrame, established: 0, terminated: Promise.resolve() };
}

/**
 * The far end's tracks, as soon as they exist: video into the leg's <video>, whose
 * requestVideoFrameCallback marks the first frame ready to paint (the definition our call
 * window uses for firstFrameAt), audio into its <audio>.
 */
function bindMedia(leg: VideoLeg, sdh: unknown): void {
  const pc = (sdh as Web.SessionDescriptionHandler).peerConnection;
  if (!pc) return;
  leg.pc = pc;
  pc.addEventListener("track", (ev) => {
    const el = ev.track.kind === "video" ? leg.remoteVideo : leg.audio;
    el.srcObject = new MediaStream([ev.track]);
    if (ev.track.kind === "video" && typeof leg.remoteVideo.requestVideoFrameCallback === "function") {
      leg.remoteVideo.requestVideoFrameCallback(() => {
        leg.firstFrame ||= performance.now();
        leg.onFrame();
      });
    }
    void el.play().catch(() => undefined);
  });
}

function watchSession(leg: VideoLeg, session: Session): Promise<void> {
  leg.session = session;
  leg.terminated = new Promise<void>((resolve) => session.stateChange.addListener((s) => s === SessionState.Terminated && resolve()));
  return new Promise<void>((resolve, reject) => {
    session.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        leg.established = performance.now();
        // The preview of our own camera, as the call window shows it.
        const local = (session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined)?.localMediaStream;
        if (local) {
          leg.localVideo.srcObject = new MediaStream(local.getVideoTracks());
          void leg.localVideo.play().catch(() => undefined);
        }
        resolve();
      }
      if (s === SessionState.Terminated && !leg.established) reject(new Error("call failed"));
    });
  });
}

function answer(invitation: Invitation): void {
  const leg = newLeg();
  invitation.delegate = { onSessionDescriptionHandler: (sdh) => bindMedia(leg, sdh) };
  watchSession(leg, invitation).catch(() => undefined);
  incoming = leg;
  invitation.accept({ sessionDescriptionHandlerOptions: { constraints: VIDEO_CONSTRAINTS } }).catch(() => undefined);
}

/**
 * Two user agents for video calls: the callee registers `callee` and answers every call with
 * video at once; the caller authenticates as `caller` without registering (it only places calls).
 * Both take the SessionDescriptionHandler of the mode the next videoDial() names.
 */
async function videoSetup(server: string, domain: string, callee: { user: string; password: string }, caller: { user: string; password: string }): Promise<void> {
  const factory: SessionDescriptionHandlerFactory = (session, options) =>
    videoMode === "tuned" ? tunedFactory(session, options) : Web.defaultSessionDescriptionHandlerFactory()(session, options);
  videoCallee = userAgent(server, callee.user, callee.password, domain, factory);
  videoCallee.delegate = { onInvite: answer };
  await videoCallee.start();
  videoCalleeRegisterer = await registerUa(videoCallee);
  videoCaller = userAgent(server, caller.user, caller.password, domain, factory);
  await videoCaller.start();
}

/**
 * Place a video call in `mode`: ms from invite() to Established and to the callee's first
 * video frame ready to paint at the caller (NaN if none within 10 s). The call stays up.
 */
async function videoDial(target: string, mode: PlainMode): Promise<{ incallMs: number; firstFrameMs: number }> {
  if (!videoCaller) throw new Error("videoSetup first");
  if (outgoing || incoming) throw new Error("a video call is still up");
  if (mode !== "standard" && mode !== "tuned") throw new Error(`unknown mode ${mode}`);
  videoMode = mode;
  const leg = newLeg();
  const inviter = new Inviter(videoCaller, UserAgent.makeURI(target)!, {
    sessionDescriptionHandlerOptions: { constraints: VIDEO_CONSTRAINTS },
    delegate: { onSessionDescriptionHandler: (sdh) => bindMedia(leg, sdh) },
  });
  outgoing = leg;
  const established = watchSession(leg, inviter);
  const t0 = performance.now();
  try {
    await inviter.invite();
    await established;
  } catch (err) {
    await videoHangup();
    throw err;
  }
  await Promise.race([leg.frameSeen, new Promise((r) => setTimeout(r, 10000))]);
  return { incallMs: leg.established - t0, firstFrameMs: leg.firstFrame ? leg.firstFrame - t0 : NaN };
}

interface VideoFigures {
  framesDecoded: number;
  framesEncoded: number;
  /** Size of the frames received / sent. */
  frameWidth?: number;
  frameHeight?: number;
  sentWidth?: number;
  sentHeight?: number;
}

async function legStats(leg: VideoLeg | undefined): Promise<VideoFigures | null> {
  if (!leg?.pc) return null;
  const out: VideoFigures = { framesDecoded: 0, framesEncoded: 0 };
  (await leg.pc.getStats()).forEach((s: any) => {
    if (s.type === "inbound-rtp" && s.kind === "video") {
      out.framesDecoded += s.framesDecoded ?? 0;
      if (s.frameWidth) out.frameWidth = s.frameWidth;
      if (s.frameHeight) out.frameHeight = s.frameHeight;
    }
    if (s.type === "outbound-rtp" && s.kind === "video") {
      out.framesEncoded += s.framesEncoded ?? 0;
      if (s.frameWidth) out.sentWidth = s.frameWidth;
      if (s.frameHeight) out.sentHeight = s.frameHeight;
    }
  });
  return out;
}

/** Both ends' video figures now (getStats). */
async function videoStats(): Promise<{ caller: VideoFigures | null; callee: VideoFigures | null }> {
  return { caller: await legStats(outgoing), callee: await legStats(incoming) };
}

/** The caller hangs up (BYE); resolves once both ends are Terminated and their elements gone. */
async function videoHangup(): Promise<void> {
  const legs = [outgoing, incoming].filter((l): l is VideoLeg => !!l);
  const session = outgoing?.session;
  if (session?.state === SessionState.Established) await session.bye();
  else if (session instanceof Inviter && session.state !== SessionState.Terminated) await session.cancel().catch(() => undefined);
  await Promise.race([Promise.all(legs.map((l) => l.terminated)), new Promise((r) => setTimeout(r, 10000))]);
  for (const l of legs) {
    for (const el of [l.remoteVideo, l.localVideo, l.audio]) el.srcObject = null;
    l.box.remove();
  }
  outgoing = incoming = undefined;
}

(globalThis as any).plainSipjs = { register, unregister, call, heap, videoSetup, videoDial, videoStats, videoHangup, calleeRegistered: () => videoCalleeRegisterer?.state === RegistererState.Registered };
