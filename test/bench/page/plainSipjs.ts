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
import { Inviter, Registerer, RegistererState, SessionState, UserAgent, Web, type Session } from "sip.js";

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
let currentMode: PlainMode | undefined;

async function register(server: string, user: string, password: string, domain: string, mode: PlainMode): Promise<void> {
  if (mode !== "standard" && mode !== "tuned") throw new Error(`unknown mode ${mode}`);
  currentMode = mode;
  const factoryOptions = { peerConnectionConfiguration: { iceServers: [] }, iceGatheringTimeout: ICE_GATHERING_TIMEOUT_MS };
  ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@${domain}`),
    authorizationUsername: user,
    authorizationPassword: password,
    transportOptions: { server },
    logBuiltinEnabled: false,
    sessionDescriptionHandlerFactoryOptions: factoryOptions,
    ...(mode === "tuned"
      ? {
          sessionDescriptionHandlerFactory: (session: Session) =>
            new EarlyCutoffSessionDescriptionHandler(session.userAgent.getLogger("sip.SessionDescriptionHandler"), Web.defaultMediaStreamFactory(), {
              iceGatheringTimeout: factoryOptions.iceGatheringTimeout,
              peerConnectionConfiguration: { ...Web.defaultPeerConnectionConfiguration(), ...factoryOptions.peerConnectionConfiguration },
            }),
        }
      : {}),
  });
  await ua.start();
  const reg = new Registerer(ua);
  await new Promise<void>((resolve, reject) => {
    reg.stateChange.addListener((s) => s === RegistererState.Registered && resolve());
    reg.register().catch(reject);
    setTimeout(() => reject(new Error("register timeout")), 5000);
  });
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

(globalThis as any).plainSipjs = { register, call, heap };
