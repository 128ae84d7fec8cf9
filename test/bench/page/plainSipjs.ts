// The baseline for `npm run bench`: a plain sip.js page — sip.js's own browser
// SessionDescriptionHandler, everything in one page — measured on the same bench as our
// extension's path (signaling in the host, media in the call window).
import { Inviter, Registerer, RegistererState, SessionState, UserAgent } from "sip.js";

let ua: UserAgent | undefined;

async function register(server: string, user: string, password: string, domain: string): Promise<void> {
  ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@${domain}`),
    authorizationUsername: user,
    authorizationPassword: password,
    transportOptions: { server },
    logBuiltinEnabled: false,
    // Same ICE policy as ours: no public STUN server, gathering capped at 500 ms.
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] }, iceGatheringTimeout: 500 },
  });
  await ua.start();
  const reg = new Registerer(ua);
  await new Promise<void>((resolve, reject) => {
    reg.stateChange.addListener((s) => s === RegistererState.Registered && resolve());
    reg.register().catch(reject);
    setTimeout(() => reject(new Error("register timeout")), 5000);
  });
}

/** One call: ms from invite() to Established and to the first remote audio packet. */
async function call(target: string, holdMs: number): Promise<{ incallMs: number; firstAudioMs: number }> {
  if (!ua) throw new Error("register first");
  const inviter = new Inviter(ua, UserAgent.makeURI(target)!, { sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } } as never);
  const t0 = performance.now();
  let incall = 0;
  let firstAudio = 0;
  const established = new Promise<void>((resolve, reject) => {
    inviter.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        incall = performance.now();
        const pc = (inviter.sessionDescriptionHandler as any).peerConnection as RTCPeerConnection;
        const track = pc.getReceivers()[0]?.track;
        const audio = document.createElement("audio");
        audio.srcObject = new MediaStream(track ? [track] : []);
        void audio.play().catch(() => undefined);
        if (track && !track.muted) firstAudio = performance.now();
        else track?.addEventListener("unmute", () => (firstAudio ||= performance.now()), { once: true });
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
  return { incallMs: incall - t0, firstAudioMs: firstAudio ? firstAudio - t0 : NaN };
}

(globalThis as any).plainSipjs = { register, call };
