// The call window's media engine: answers the host's media requests with MediaSessions (keyed
// by media session id, each with its owner) and publishes what the UI shows (calls, link
// state, levels, video streams, devices) as Svelte stores. Nothing is created at import:
// main.ts makes the one engine of the page and hands it to the components (engineContext.ts).
import "webrtc-adapter";
import { writable } from "svelte/store";
import type { CallAction } from "../../src/protocol/callActions";
import { DEVICE_KIND_NAMES, isDataOnly, isRoomReceiver, sendsOurMedia, type DeviceInfo, type DeviceKind, type IceServer, type MediaSessionRef, type MediaStats } from "../../src/protocol/callWindow";
import type { CallView, RoomStateView } from "../../src/protocol/model";
import type { RoomAction } from "../../src/protocol/roomActions";
import { HostConnection, type LinkState } from "./hostConnection";
import { SharedCapture } from "./capture";
import { DeviceChooser } from "./deviceChooser";
import { DeviceTest } from "./deviceTest";
import type { PreparedPeer } from "./ice";
import { MediaSession, type SessionView } from "./mediaSession";
import { DataPipe } from "./dataPipe";
import { RoomFeeds } from "./roomFeeds";
import { RemotePlayback } from "./playback";
import { SessionRecorder } from "./recorder";
import { Prewarm } from "./prewarm";
import { TonePlayer } from "./tones";
import { chooseTone } from "./toneChoice";
import { ConferenceMixer } from "./conference";

export type Engine = ReturnType<typeof createEngine>;

export function createEngine() {
  const link = writable<{ state: LinkState; detail?: string }>({ state: "connecting" });
  const calls = writable<CallView[]>([]);
  /** The room we are in (the host's view), for the room's tiles; null: none. */
  const room = writable<RoomStateView | null>(null);
  /** Per media session id: its latest stats. */
  const levels = writable<Record<string, MediaStats>>({});
  /** Per media session id: its streams and whether video flows (the tiles). */
  const views = writable<Record<string, SessionView>>({});
  /** The browser's devices and the ones in use (the pickers). */
  const deviceList = writable<{ devices: DeviceInfo[]; inUse: Partial<Record<DeviceKind, string>> }>({ devices: [], inUse: {} });
  /** A device notice (a chosen device is gone), shown until the next one. */
  const deviceNotice = writable<string | undefined>(undefined);
  const playbackBlocked = writable(false);
  const mediaError = writable<string | undefined>(undefined);

  const sessions = new Map<string, MediaSession>();
  /** The data channels of data-only sessions (room chat). */
  const pipes = new Map<string, DataPipe>();
  /** Rooms' receiving sessions, taken apart per publisher (one peer connection for all of them). */
  const receivers = new Map<string, RoomFeeds>();
  /** Sessions being recorded. */
  const recorders = new Map<string, { recorder: SessionRecorder; unwatch: () => void }>();
  /** Per session: the far end's audio, playing (created with its first remote audio track). */
  const playbacks = new Map<string, RemotePlayback>();
  const tones = new TonePlayer();
  const conference = new ConferenceMixer();
  let incomingRinging = false;
  let lastCalls: CallView[] = [];

  // Kept ready while the window is connected, so a call starts without waiting for them: the
  // microphone capture (each call sends its own clone) and the next call's peer connection
  // (see Prewarm). Both are released when the window closes or stands down. The camera opens
  // only while a session sends video.
  const microphone = new SharedCapture("audio", {
    onEnded: () => {
      if (warm) prewarm.microphoneEnded();
      void chooser.refresh(); // unplugged: the default takes over, the user is told
    },
    onDeviceMissing: () => chooser.captureFellBack("audioinput"),
  });
  const camera = new SharedCapture("video", {
    closeWhenUnused: true,
    onEnded: () => void chooser.refresh(),
    onDeviceMissing: () => chooser.captureFellBack("videoinput"),
  });
  const chooser = new DeviceChooser(microphone, camera, {
    list: (devices, inUse) => {
      deviceList.set({ devices, inUse });
      rpc.notify("devices.list", { devices, inUse });
    },
    fallback: (kind, wanted, using) => {
      deviceNotice.set(`The ${DEVICE_KIND_NAMES[kind].toLowerCase()} "${wanted}" is not available: using ${using}.`);
      rpc.notify("devices.fallback", { kind, wanted, using });
    },
    sink: (deviceId) => {
      tones.setSink(deviceId);
      for (const [id, p] of playbacks) void p.setSink(deviceId).catch((err) => tellError(id, err));
    },
  });
  /** "Test Audio and Video" (the host's command opens it; the page's Done button closes it). */
  const deviceTest = new DeviceTest(microphone, camera, () => chooser.speaker);

  // The prepared offer carries a clone of the old microphone: prepare it again on the new one.
  microphone.onSwitch(async () => {
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
    (list, r) => {
      applyCalls(list);
      room.set(r);
    },
  );
  const rpc = connection.rpc;
  const prewarm = new Prewarm(microphone, (spare) => rpc.notify("media.spare", { spare }));
  /** Sessions whose prepared media was gone when the host claimed it: they are being ended. */
  const lostSessions = new Set<string>();

  function warmUp(): void {
    prewarm.start(); // also after a reconnect: the host forgot the offer we had advertised
    if (warm) return;
    warm = true;
    microphone.open().then(
      () => {
        clearWarmMicError();
        void chooser.refresh(); // permission given: labels are known now
      },
      (err) => {
        if (!warm) return;
        // Said now, not only at the next call: the user can fix it before dialing.
        warmMicError = err instanceof Error ? err.message : String(err);
        mediaError.set(warmMicError);
        rpc.notify("media.error", { message: warmMicError });
      },
    );
  }

  /** One session's media gone: its peer connection, its track clones, its meter and tiles. */
  function closeSession(sessionId: string): void {
    for (const feeds of receivers.values()) feeds.dropById(sessionId); // one publisher of a room's receiving session
    pipes.delete(sessionId);
    receivers.get(sessionId)?.dispose();
    receivers.delete(sessionId);
    stopRecording(sessionId); // its last piece goes out even as the session closes
    void conference.remove(sessionId);
    sessions.get(sessionId)?.close();
    sessions.delete(sessionId);
    playbacks.get(sessionId)?.dispose();
    playbacks.delete(sessionId);
    lostSessions.delete(sessionId);
    levels.update((l) => without(l, sessionId));
    views.update((v) => without(v, sessionId));
  }

  function without<T>(record: Record<string, T>, key: string): Record<string, T> {
    const { [key]: _gone, ...rest } = record;
    return rest;
  }

  function closeAllSessions(): void {
    for (const id of [...sessions.keys(), ...lostSessions]) closeSession(id);
  }

  function coolDown(): void {
    warm = false;
    prewarm.stop();
    deviceTest.stop();
    microphone.release();
    camera.release();
  }

  function clearWarmMicError(): void {
    if (warmMicError === undefined) return;
    mediaError.update((e) => (e === warmMicError ? undefined : e));
    warmMicError = undefined;
  }

  /** A session reference from the host, checked (the host is trusted, its JSON still parsed). */
  function validRef(ref: MediaSessionRef | undefined): MediaSessionRef {
    if (!ref || typeof ref.id !== "string" || !ref.owner || typeof ref.owner.kind !== "string") throw new Error("malformed media session reference");
    return ref;
  }

  function session(ref: MediaSessionRef, iceServers: IceServer[]): MediaSession {
    const { id } = validRef(ref);
    let s = sessions.get(id);
    if (!s) {
      if (lostSessions.has(id)) throw new Error("this session's media was lost");
      const servers = Array.isArray(iceServers) ? iceServers : [];
      // The prepared peer connection carries the microphone: not for a room subscription.
      s = newSession(ref, servers, warm && sendsOurMedia(ref.owner) ? prewarm.take(servers) : undefined);
    }
    return s;
  }

  function newSession(ref: MediaSessionRef, iceServers: IceServer[], prepared: PreparedPeer | undefined): MediaSession {
    const s = new MediaSession(
      ref,
      iceServers,
      { microphone, camera, screen: captureScreen },
      {
        onStats: (stats, report) => {
          levels.update((l) => ({ ...l, [ref.id]: stats }));
          rpc.notify("media.stats", stats);
          void receivers.get(ref.id)?.tick(report).catch(() => undefined);
        },
        // A room's receiving session plays each publisher on its own (RoomFeeds), not all at once.
        onRemoteAudio: () => !isRoomReceiver(ref.owner) && playbackOf(s.id, s.remoteAudio).play(),
        onIce: (state) => rpc.notify("media.ice", { sessionId: ref.id, state }),
        onScreenEnded: () => {
          if (ref.owner.kind === "room") rpc.notify("room.action", { action: "screen", on: false });
        },
        onView: (view) => {
          if (isDataOnly(ref.owner) || isRoomReceiver(ref.owner)) return; // a room's chat: no tile; its publishers: a tile each (RoomFeeds)
          views.update((v) => ({ ...v, [ref.id]: view }));
          updateTones();
        },
      },
      prepared,
    );
    sessions.set(ref.id, s);
    if (isDataOnly(ref.owner)) {
      pipes.set(ref.id, new DataPipe(s.pc, (text) => rpc.notify("media.data", { sessionId: ref.id, text }), () => rpc.notify("media.dataOpen", { sessionId: ref.id })));
    }
    if (ref.owner.kind === "room" && isRoomReceiver(ref.owner)) {
      receivers.set(
        ref.id,
        new RoomFeeds(s, ref.owner.roomId, {
          onView: (id, view) => {
            views.update((v) => (view ? { ...v, [id]: view } : without(v, id)));
            if (!view) levels.update((l) => without(l, id));
          },
          onStats: (stats) => levels.update((l) => ({ ...l, [stats.sessionId]: stats })),
          onAudio: (id, stream) => {
            playbacks.get(id)?.dispose();
            playbacks.delete(id);
            if (stream) playbackOf(id, stream).play();
          },
        }),
      );
    }
    return s;
  }

  function startRecording(sessionId: string): void {
    const s = sessions.get(sessionId);
    if (!s || recorders.has(sessionId)) return;
    try {
      const recorder = new SessionRecorder(s.localAudioTrack, s.remoteAudio, (piece) => rpc.notify("media.recording", { sessionId, ...piece }));
      recorders.set(sessionId, { recorder, unwatch: s.watchLocalAudio((track) => recorder.useLocal(track)) });
    } catch (err) {
      tellError(sessionId, new Error(`recording could not start: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  function stopRecording(sessionId: string): void {
    const r = recorders.get(sessionId);
    r?.recorder.stop();
    r?.unwatch();
    recorders.delete(sessionId);
  }

  function playbackOf(id: string, stream: MediaStream): RemotePlayback {
    let p = playbacks.get(id);
    if (!p) {
      p = new RemotePlayback(id, stream, () => playbackBlocked.set(true));
      playbacks.set(id, p);
      if (chooser.speaker) void p.setSink(chooser.speaker).catch((err) => tellError(id, err));
    }
    return p;
  }

  /** Show a media failure here and tell the host (which tells the user). */
  function tellError(sessionId: string | undefined, err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    mediaError.set(message);
    rpc.notify("media.error", { sessionId, message });
    return message;
  }

  /** tellError, then fail the host's request with it. */
  function reportError(sessionId: string | undefined, err: unknown): never {
    const message = tellError(sessionId, err);
    throw err instanceof Error ? err : new Error(message);
  }

  const VIDEO_MODES = new Set(["none", "receive", "send"]);

  rpc.handle("media.getDescription", async ({ session: ref, hold, video, iceServers, iceGatheringTimeoutMs, iceRestart }) => {
    try {
      const mode = VIDEO_MODES.has(video) ? video : "none";
      const description = await session(ref, iceServers).getDescription(!!hold, mode, Math.min(Math.max(Number(iceGatheringTimeoutMs) || 500, 50), 5000), iceRestart === true);
      if (description.type === "answer") receivers.get(ref.id)?.settle();
      clearWarmMicError();
      return description;
    } catch (err) {
      return reportError(ref?.id, err);
    }
  });
  rpc.handle("media.setDescription", async ({ session: ref, sdp, iceServers, streams }) => {
    try {
      const s = session(ref, iceServers);
      receivers.get(s.id)?.expect(streams);
      return await s.setDescription(String(sdp));
    } catch (err) {
      return reportError(ref?.id, err);
    }
  });
  rpc.on("media.claim", ({ session: ref, spareId }) => {
    const { id, owner } = validRef(ref);
    if (sessions.has(id)) return;
    const prepared = prewarm.claim(String(spareId));
    if (prepared) {
      newSession(ref, prepared.iceServers, prepared);
      return;
    }
    // The host already sent this offer in an INVITE, but we no longer hold its peer connection.
    lostSessions.add(id);
    const message = "the call window no longer had the media it prepared for this call (was the microphone unplugged?); the call was hung up";
    mediaError.set(message);
    rpc.notify("media.error", { sessionId: id, message });
    if (owner.kind === "call") rpc.notify("call.action", { action: "hangup", callId: owner.callId });
  });
  rpc.handle("media.rollback", async ({ sessionId }) => {
    await sessions.get(sessionId)?.rollback();
    return null;
  });
  rpc.handle("media.stats", async ({ sessionId }) => {
    const s = sessions.get(sessionId);
    if (s) return s.stats();
    // One publisher of a room's receiving session.
    for (const feeds of receivers.values()) {
      const stats = await feeds.stats(String(sessionId));
      if (stats) return stats;
    }
    return null;
  });
  rpc.on("media.close", ({ sessionId }) => {
    closeSession(sessionId);
    // Between calls, not during one: the next call finds its peer connection ready.
    if (warm && sessions.size === 0) prewarm.replenish();
  });
  rpc.on("media.conference", ({ sessionIds }) => {
    const members = (Array.isArray(sessionIds) ? sessionIds : []).map((id) => sessions.get(String(id))).filter((s): s is MediaSession => !!s);
    conference.set(members).catch((err) => tellError(undefined, new Error(`the conference could not be mixed: ${err instanceof Error ? err.message : String(err)}`)));
  });
  rpc.on("media.mute", ({ sessionId, muted }) => sessions.get(sessionId)?.setMuted(!!muted));
  rpc.on("media.data", ({ sessionId, text }) => {
    if (typeof text === "string") pipes.get(sessionId)?.send(text);
  });
  rpc.on("media.record", ({ sessionId, on }) => {
    if (on) startRecording(String(sessionId));
    else stopRecording(String(sessionId));
  });
  rpc.on("media.camera", ({ sessionId, off }) => {
    sessions.get(sessionId)?.setCameraOff(!!off).catch((err) => tellError(sessionId, err));
  });
  rpc.on("media.dtmf", ({ sessionId, tones: t, durationMs, gapMs }) => {
    sessions.get(sessionId)?.sendDtmf(String(t), Number(durationMs) || 100, Number(gapMs) || 70);
  });
  rpc.on("calls.changed", ({ calls: list }) => applyCalls(list));
  rpc.on("room.changed", ({ room: r }) => room.set(r && typeof r === "object" ? r : null));
  rpc.on("devices.use", ({ choices, processing }) => void chooser.apply(choices, processing));
  rpc.on("devices.test", () => void deviceTest.start());
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
    tones.set(chooseTone(lastCalls, incomingRinging, (callId) => !!sessions.get(callId)?.audioArrived));
  }

  const actions = {
    /** A call action (answer, hang up, mute…): decided by the host, like every other button's. */
    act: (action: CallAction) => rpc.notify("call.action", action),
    /** A room action (mute, camera, screen, receive a feed, leave): the host decides. */
    roomAct: (action: RoomAction) => rpc.notify("room.action", action),
    /** The user picked a device here: the host keeps the choice and sends it back ("devices.use"). */
    chooseDevice: (device: DeviceInfo) => rpc.notify("devices.choose", device),
    resumePlayback: () => {
      for (const p of playbacks.values()) void p.resume().catch(() => undefined);
      playbackBlocked.set(false);
    },
  };

  function start(): void {
    exposeDebugHook();
    navigator.mediaDevices?.addEventListener("devicechange", () => void chooser.refresh());
    addEventListener("pagehide", () => {
      connection.closing();
      coolDown();
    });
    connection.connect();
  }

  /** For tests and troubleshooting from the browser console: `softphoneCallWindow`. */
  function exposeDebugHook(): void {
    (globalThis as any).softphoneCallWindow = {
    sessions,
    stats: async () => Promise.all([...sessions.values()].map((s) => s.stats())),
    tone: () => tones.playing ?? null,
    microphoneLive: () => microphone.live,
    cameraLive: () => camera.live,
    microphoneLabel: () => microphone.label,
    microphoneSettings: () => microphone.settingsInUse,
    cameraLabel: () => camera.label,
    sinkIds: () => [...playbacks.values()].map((p) => p.sinkId),
    /** MOCK hook for tests: Chromium cannot unplug a fake device, so a test hides one and announces a change. */
    refreshDevices: () => chooser.refresh(),
    deviceTest: () => ({ micLevel: deviceTest.level, toneSink: deviceTest.toneSink ?? null }),
    /** Media sessions, one peer connection each. */
    sessionCount: () => sessions.size,
    /** Rooms' receiving sessions and the publishers each carries. */
    roomReceivers: () => [...receivers].map(([sessionId, feeds]) => ({ sessionId, feeds: feeds.feedIds() })),
    conferenceMembers: () => conference.members,
    simulateDrop: () => connection.simulateDrop(),
  };
  }

  /** The screen (or window, or tab) the user picks, for a room's screen share. */
  async function captureScreen(): Promise<MediaStreamTrack> {
    // 15 frames a second: plenty for text and slides, and half the encoding work of a camera.
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 15 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) throw new Error("no screen was shared");
    track.contentHint = "detail"; // text stays sharp; frame rate gives way first
    return track;
  }

  return {
    link,
    calls,
    room,
    levels,
    views,
    deviceList,
    deviceNotice,
    playbackBlocked,
    mediaError,
    deviceTest,
    actions,
    start,
  };
}
