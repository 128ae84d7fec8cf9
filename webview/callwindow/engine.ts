// The call window's media engine: answers the host's media requests with PeerSessions and
// publishes what the UI shows (calls, link state, levels) as Svelte stores.
import "webrtc-adapter";
import { writable } from "svelte/store";
import type { CallAction } from "../../src/protocol/callActions";
import type { IceServer, MediaStats } from "../../src/protocol/callWindow";
import type { CallView } from "../../src/protocol/model";
import { HostConnection, type LinkState } from "./hostConnection";
import { Microphone } from "./microphone";
import { PeerSession, type PreparedPeer } from "./peerSession";
import { Prewarm } from "./prewarm";
import { TonePlayer } from "./tones";

export const link = writable<{ state: LinkState; detail?: string }>({ state: "connecting" });
export const calls = writable<CallView[]>([]);
export const levels = writable<Record<string, MediaStats>>({});
export const playbackBlocked = writable(false);
export const mediaError = writable<string | undefined>(undefined);

const sessions = new Map<string, PeerSession>();
const tones = new TonePlayer();
let incomingRinging = false;
let lastCalls: CallView[] = [];

// Kept ready while the window is connected, so a call starts without waiting for them: the
// microphone capture (each call sends its own clone) and the next call's peer connection
// (see Prewarm). Both are released when the window closes or stands down.
const microphone = new Microphone(() => {
  if (warm) prewarm.microphoneEnded();
});
let warm = false;
/** The message shown when opening the microphone ahead of a call failed (cleared once it works). */
let warmMicError: string | undefined;

const connection = new HostConnection(
  () => [...sessions.keys()],
  (state, detail) => {
    link.set({ state, detail });
    if (state === "connected") warmUp();
    else if (state === "superseded" || state === "failed" || state === "host-gone") {
      // VS Code has ended these calls by now (or cannot reach us any more): drop their media,
      // never keep a microphone or a peer connection live for a host that is gone.
      if (state !== "superseded") closeAllSessions();
      coolDown();
    }
  },
  (list) => applyCalls(list),
);
const rpc = connection.rpc;
const prewarm = new Prewarm(microphone, (spare) => rpc.notify("media.spare", { spare }));
/** Calls whose prepared media was gone when the host claimed it: they are being hung up. */
const lostCalls = new Set<string>();

function warmUp(): void {
  prewarm.start(); // also after a reconnect: the host forgot the offer we had advertised
  if (warm) return;
  warm = true;
  microphone.open().then(
    () => clearWarmMicError(),
    (err) => {
      if (!warm) return;
      // Said now, not only at the next call: the user can fix it before dialing.
      warmMicError = err instanceof Error ? err.message : String(err);
      mediaError.set(warmMicError);
      rpc.notify("media.error", { message: warmMicError });
    },
  );
}

/** One call's media gone: its peer connection, its microphone clone, its level meter. */
function closeSession(callId: string): void {
  sessions.get(callId)?.close();
  sessions.delete(callId);
  lostCalls.delete(callId);
  levels.update((l) => {
    const { [callId]: _gone, ...rest } = l;
    return rest;
  });
}

function closeAllSessions(): void {
  for (const callId of [...sessions.keys(), ...lostCalls]) closeSession(callId);
}

function coolDown(): void {
  warm = false;
  prewarm.stop();
  microphone.release();
}

function clearWarmMicError(): void {
  if (warmMicError === undefined) return;
  mediaError.update((e) => (e === warmMicError ? undefined : e));
  warmMicError = undefined;
}

function session(callId: string, iceServers: IceServer[]): PeerSession {
  let s = sessions.get(callId);
  if (!s) {
    if (lostCalls.has(callId)) throw new Error("this call's media was lost");
    const servers = Array.isArray(iceServers) ? iceServers : [];
    s = newSession(callId, servers, warm ? prewarm.take(servers) : undefined);
  }
  return s;
}

function newSession(callId: string, iceServers: IceServer[], prepared: PreparedPeer | undefined): PeerSession {
  const s = new PeerSession(
    callId,
    iceServers,
    microphone,
    (stats) => {
      levels.update((l) => ({ ...l, [callId]: stats }));
      rpc.notify("media.stats", stats);
    },
    () => playbackBlocked.set(true),
    prepared,
  );
  sessions.set(callId, s);
  return s;
}

function reportError(callId: string | undefined, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  mediaError.set(message);
  rpc.notify("media.error", { callId, message });
  throw err instanceof Error ? err : new Error(message);
}

rpc.handle("media.getDescription", async ({ callId, hold, iceServers, iceGatheringTimeoutMs }) => {
  try {
    const description = await session(callId, iceServers).getDescription(!!hold, Math.min(Math.max(Number(iceGatheringTimeoutMs) || 500, 50), 5000));
    clearWarmMicError();
    return description;
  } catch (err) {
    return reportError(callId, err);
  }
});
rpc.handle("media.setDescription", async ({ callId, sdp, iceServers }) => {
  try {
    await session(callId, iceServers).setDescription(String(sdp));
    return null;
  } catch (err) {
    return reportError(callId, err);
  }
});
rpc.on("media.claim", ({ callId, spareId }) => {
  if (typeof callId !== "string" || sessions.has(callId)) return;
  const prepared = prewarm.claim(String(spareId));
  if (prepared) {
    newSession(callId, prepared.iceServers, prepared);
    return;
  }
  // The host already sent this offer in an INVITE, but we no longer hold its peer connection.
  lostCalls.add(callId);
  const message = "the call window no longer had the media it prepared for this call (was the microphone unplugged?); the call was hung up";
  mediaError.set(message);
  rpc.notify("media.error", { callId, message });
  rpc.notify("call.action", { action: "hangup", callId });
});
rpc.handle("media.rollback", async ({ callId }) => {
  await sessions.get(callId)?.rollback();
  return null;
});
rpc.handle("media.stats", async ({ callId }) => (sessions.get(callId) ? await sessions.get(callId)!.stats() : null));
rpc.on("media.close", ({ callId }) => {
  closeSession(callId);
  // Between calls, not during one: the next call finds its peer connection ready.
  if (warm && sessions.size === 0) prewarm.replenish();
});
rpc.on("media.mute", ({ callId, muted }) => sessions.get(callId)?.setMuted(!!muted));
rpc.on("media.dtmf", ({ callId, tones: t, durationMs, gapMs }) => {
  sessions.get(callId)?.sendDtmf(String(t), Number(durationMs) || 100, Number(gapMs) || 70);
});
rpc.on("calls.changed", ({ calls: list }) => applyCalls(list));
rpc.on("ring.set", ({ ringing }) => {
  incomingRinging = !!ringing;
  updateTones();
});

function applyCalls(list: CallView[]): void {
  lastCalls = Array.isArray(list) ? list : [];
  calls.set(lastCalls);
  updateTones();
}

function updateTones(): void {
  const ringback = lastCalls.some((c) => c.direction === "outgoing" && c.state === "ringing");
  tones.set(incomingRinging ? "ring" : ringback ? "ringback" : undefined);
}

export const actions = {
  /** A call action (answer, hang up, mute…): decided by the host, like every other button's. */
  act: (action: CallAction) => rpc.notify("call.action", action),
  resumePlayback: () => {
    for (const s of sessions.values()) void s.audio.play().catch(() => undefined);
    playbackBlocked.set(false);
  },
};

export function startEngine(): void {
  addEventListener("pagehide", () => {
    connection.closing();
    coolDown();
  });
  connection.connect();
}

// For tests and troubleshooting from the browser console.
(globalThis as any).softphoneCallWindow = {
  sessions,
  stats: async () => Promise.all([...sessions.values()].map((s) => s.stats())),
  tone: () => tones.playing ?? null,
  microphoneLive: () => microphone.live,
  sessionCount: () => sessions.size,
  simulateDrop: () => connection.simulateDrop(),
};
