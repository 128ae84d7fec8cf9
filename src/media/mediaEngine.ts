// The host's handle on the media engine that runs in the call window. Implements MediaPort
// for the SIP layer by forwarding over the window's WebSocket, opens the window on demand,
// tells each media session's owner (a call today) when the window and with it the session's
// media has gone away, and relays what the user clicked in the window.
import type { WebSocket } from "ws";
import {
  CALL_WINDOW_PROTOCOL_VERSION,
  MAX_DATA_MESSAGE,
  type AudioProcessing,
  type DeviceChoices,
  type DeviceInfo,
  type DeviceKind,
  type HostCallWindowChannel,
  type IcePathState,
  type IceServer,
  type MediaOwner,
  type MediaSessionRef,
  type MediaStats,
  type Negotiated,
  type ReceivedStream,
} from "../protocol/callWindow";
import { isDeviceKind, memoryDeviceStore, parseDevice, parseDeviceList, sanitizeChoices, type DeviceChoiceStore } from "./devices";
import type { CallView, RoomStateView } from "../protocol/model";
import { RpcEndpoint, type Envelope } from "../protocol/rpc";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import type { CallWindowServer } from "./callWindowServer";
import type { DescriptionOptions, MediaPort } from "./mediaPort";
import { DTMF_SEQUENCE } from "../calls/dtmf";
import { safeUiText } from "../calls/remoteParty";
import { messageOf } from "../util/text";
import type { Ringer } from "./systemRinger";

export interface MediaEngineOptions {
  server: CallWindowServer;
  log: Logger;
  /** Opens the call window page (Integrated Browser or system browser). */
  openWindow: (localUrl: string) => Promise<void>;
  /** Current calls, sent to a window when it (re)connects. */
  calls: () => CallView[];
  /** The room we are in (null: none), sent with the calls. */
  room?: () => RoomStateView | null;
  iceServersFor: (owner: MediaOwner) => IceServer[];
  /** How long a dropped window may take to reconnect before its calls are ended. */
  reconnectGraceMs?: number;
  iceGatheringTimeoutMs?: number;
  /** Rings while no call window is connected (the OS sound player). */
  fallbackRinger?: Ringer;
  /** Where the user's device choices are kept (default: memory). */
  deviceStore?: DeviceChoiceStore;
  /** The microphone's processing settings (default: all on). */
  audioProcessing?: () => AudioProcessing;
}

const DEFAULT_PROCESSING: AudioProcessing = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

interface Connection {
  ws: WebSocket;
  rpc: RpcEndpoint<HostCallWindowChannel>;
  /** The media sessions this window holds. */
  sessionIds: Set<string>;
  /** The offer this window prepared for the next outgoing call ("media.spare"). */
  spare?: { id: string; sdp: string; iceKey: string };
}

export class MediaEngine implements MediaPort {
  private active: Connection | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Media sessions the window holds, with their owners (survives socket drops within the grace period). */
  private readonly sessions = new Map<string, MediaOwner>();
  private readonly waiters = new Set<() => void>();
  private opening: Promise<void> | undefined;
  private readonly lastStats = new Map<string, MediaStats>();
  private ringing = false;

  private readonly _onDidChangeConnection = new Emitter<boolean>();
  readonly onDidChangeConnection = this._onDidChangeConnection.event;
  private readonly _onMediaLost = new Emitter<{ sessions: MediaSessionRef[]; reason: string }>();
  /** The window closed (or crashed, or reloaded): these sessions have no media any more (tell their owners). */
  readonly onMediaLost = this._onMediaLost.event;
  private readonly _onCallAction = new Emitter<unknown>();
  /** A call action the user took in the window, as received: validate before use (runCallAction does). */
  readonly onCallAction = this._onCallAction.event;
  private readonly _onRoomAction = new Emitter<unknown>();
  /** A room action taken in the window, as received: validate before use (runRoomAction does). */
  readonly onRoomAction = this._onRoomAction.event;
  private readonly _onError = new Emitter<{ session?: MediaSessionRef; message: string }>();
  readonly onError = this._onError.event;
  private devices: DeviceInfo[] = [];
  private devicesInUse: Partial<Record<DeviceKind, string>> = {};
  private readonly deviceStore: DeviceChoiceStore;
  private readonly _onDevices = new Emitter<DeviceInfo[]>();
  /** The call window's device list changed (it connected, or a device came or went). */
  readonly onDevices = this._onDevices.event;
  private readonly _onDeviceFallback = new Emitter<{ kind: DeviceKind; wanted: string; using: string }>();
  /** A chosen device is gone and the default took over: the user should hear about it. */
  readonly onDeviceFallback = this._onDeviceFallback.event;
  private readonly _onRecording = new Emitter<{ sessionId: string; seq: number; data: string; final: boolean }>();
  /** A piece of a recording from the window (checked for shape; whose it is, the receiver checks). */
  readonly onRecording = this._onRecording.event;
  private readonly _onData = new Emitter<{ session: MediaSessionRef; text: string }>();
  /** Text from a data-only session's channel (a room's chat), only for sessions the host made. */
  readonly onData = this._onData.event;
  private readonly _onDataOpen = new Emitter<MediaSessionRef>();
  readonly onDataOpen = this._onDataOpen.event;
  private readonly _onIce = new Emitter<{ session: MediaSessionRef; state: IcePathState }>();
  /** A session's ICE lost its path or has one again (the call window's iceConnectionState). */
  readonly onIce = this._onIce.event;
  private readonly _onStats = new Emitter<{ session: MediaSessionRef; stats: MediaStats }>();
  /** A session's periodic figures (about once a second), for its owner. */
  readonly onStats = this._onStats.event;

  constructor(private readonly options: MediaEngineOptions) {
    this.deviceStore = options.deviceStore ?? memoryDeviceStore();
    options.server.onSocket((ws) => this.accept(ws));
  }

  /** The devices the connected call window offers (empty before one has connected). */
  availableDevices(): { devices: DeviceInfo[]; inUse: Partial<Record<DeviceKind, string>> } {
    return { devices: [...this.devices], inUse: { ...this.devicesInUse } };
  }

  deviceChoices(): DeviceChoices {
    return sanitizeChoices(this.deviceStore.load());
  }

  /** Use this device from now on (mid-call too: the window swaps tracks, no renegotiation) and keep the choice. */
  async chooseDevice(kind: DeviceKind, device: { deviceId: string; label: string }): Promise<void> {
    const chosen = parseDevice({ kind, ...device });
    if (!chosen) throw new Error(`not a ${kind} device: ${JSON.stringify(device).slice(0, 80)}`);
    await this.deviceStore.save({ ...this.deviceChoices(), [kind]: { deviceId: chosen.deviceId, label: chosen.label } });
    this.pushDeviceSettings();
  }

  /** "Test Audio and Video": the window opens its device test (meter, tone, preview). */
  async testDevices(): Promise<void> {
    // An open window shows the test where it is (opening the page again would make a second
    // one, which takes over); a closed one is opened first.
    await this.ensureWindow();
    this.active?.rpc.notify("devices.test", {});
  }

  /** Send the device choices and microphone processing to the window (after a settings change too). */
  pushDeviceSettings(): void {
    this.active?.rpc.notify("devices.use", { choices: this.deviceChoices(), processing: this.options.audioProcessing?.() ?? DEFAULT_PROCESSING });
  }

  get connected(): boolean {
    return this.active !== undefined;
  }

  get url(): string {
    return this.options.server.localUrl;
  }

  statsFor(sessionId: string): MediaStats | undefined {
    return this.lastStats.get(sessionId);
  }

  /** Make sure a call window is connected, opening one if needed. */
  async ensureWindow(timeoutMs = 60000): Promise<void> {
    if (this.active) return;
    const connected = this.waitConnected(timeoutMs);
    // Awaited below; but when opening fails first, that error is the one reported and this wait
    // must not turn into an unhandled rejection when it times out later.
    connected.catch(() => undefined);
    if (!this.opening) {
      this.opening = this.options.openWindow(this.options.server.localUrl).finally(() => (this.opening = undefined));
    }
    await this.opening;
    await connected;
  }

  /** Bring the window to the user's attention (reopen it if it is gone). */
  async showWindow(): Promise<void> {
    await this.options.openWindow(this.options.server.localUrl);
  }

  waitConnected(timeoutMs: number): Promise<void> {
    if (this.active) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(new Error(`the call window did not connect within ${Math.round(timeoutMs / 1000)} s — open it with "Softphone: Open Call Window" and allow the microphone`));
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  pushCalls(calls: CallView[]): void {
    this.active?.rpc.notify("calls.changed", { calls });
  }

  pushRoom(room: RoomStateView | null): void {
    this.active?.rpc.notify("room.changed", { room });
  }

  /** Ring in the call window when one is connected, else through the fallback ringer. */
  setRinging(ringing: boolean): void {
    this.ringing = ringing;
    this.applyRinging();
  }

  private applyRinging(): void {
    if (this.active) {
      this.options.fallbackRinger?.stop();
      this.active.rpc.notify("ring.set", { ringing: this.ringing });
    } else if (this.ringing) this.options.fallbackRinger?.start();
    else this.options.fallbackRinger?.stop();
  }

  async stats(sessionId: string): Promise<MediaStats | null> {
    if (!this.active) return null;
    return this.active.rpc.request("media.stats", { sessionId }, 5000);
  }

  // ---- MediaPort ----

  async getDescription(session: MediaSessionRef, options: DescriptionOptions): Promise<{ sdp: string; negotiated?: Negotiated }> {
    // A new session's first offer: the one the window prepared ahead (audio only), if it fits,
    // costs no round trip.
    const fitsSpare = !options.hold && !options.iceRestart && options.video === "none" && !this.sessions.has(session.id);
    const spare = fitsSpare ? this.claimSpare(session) : undefined;
    if (spare !== undefined) return { sdp: spare };
    const rpc = await this.rpcFor();
    const r = await rpc.request("media.getDescription", {
      session,
      hold: options.hold,
      video: options.video,
      iceServers: this.options.iceServersFor(session.owner),
      iceGatheringTimeoutMs: this.options.iceGatheringTimeoutMs ?? 500,
      ...(options.iceRestart ? { iceRestart: true } : {}),
    }, 30000);
    this.holds(session);
    return { sdp: r.sdp, negotiated: r.negotiated };
  }

  private claimSpare(session: MediaSessionRef): string | undefined {
    const conn = this.active;
    const spare = conn?.spare;
    if (!conn || !spare || spare.iceKey !== JSON.stringify(this.options.iceServersFor(session.owner))) return undefined;
    conn.spare = undefined;
    // Sent before anything else about this session, on the same socket: the window binds the
    // prepared peer connection to it before the answer arrives.
    conn.rpc.notify("media.claim", { session, spareId: spare.id });
    this.holds(session);
    return spare.sdp;
  }

  /** `streams`: for a room's receiving session, what each m-line of the offer carries. */
  async setDescription(session: MediaSessionRef, sdp: string, streams?: ReceivedStream[]): Promise<{ negotiated?: Negotiated }> {
    const rpc = await this.rpcFor();
    const r = await rpc.request("media.setDescription", { session, sdp, iceServers: this.options.iceServersFor(session.owner), ...(streams ? { streams } : {}) }, 30000);
    this.holds(session);
    return { negotiated: r?.negotiated };
  }

  /** The window now holds this session's media. */
  private holds(session: MediaSessionRef): void {
    this.sessions.set(session.id, session.owner);
    this.active?.sessionIds.add(session.id);
  }

  async rollback(sessionId: string): Promise<void> {
    await this.active?.rpc.request("media.rollback", { sessionId }, 5000);
  }

  sendDtmf(sessionId: string, tones: string, options?: { durationMs?: number; gapMs?: number }): boolean {
    if (!this.active || !this.sessions.has(sessionId) || !DTMF_SEQUENCE.test(tones)) return false;
    this.active.rpc.notify("media.dtmf", { sessionId, tones, durationMs: options?.durationMs ?? 100, gapMs: options?.gapMs ?? 70 });
    return true;
  }

  setMuted(sessionId: string, muted: boolean): void {
    this.active?.rpc.notify("media.mute", { sessionId, muted });
  }

  /** Text for a data-only session's channel; false when no window holds the session. */
  sendData(sessionId: string, text: string): boolean {
    if (!this.active || !this.sessions.has(sessionId) || text.length > MAX_DATA_MESSAGE) return false;
    this.active.rpc.notify("media.data", { sessionId, text });
    return true;
  }

  setRecording(sessionId: string, on: boolean): void {
    this.active?.rpc.notify("media.record", { sessionId, on });
  }

  setConference(sessionIds: string[]): void {
    this.active?.rpc.notify("media.conference", { sessionIds });
  }

  setCameraOff(sessionId: string, off: boolean): void {
    this.active?.rpc.notify("media.camera", { sessionId, off });
  }

  close(sessionId: string): void {
    this.sessions.delete(sessionId);
    this.lastStats.delete(sessionId);
    this.active?.sessionIds.delete(sessionId);
    this.active?.rpc.notify("media.close", { sessionId });
  }

  dispose(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.options.fallbackRinger?.stop();
    this.active?.rpc.dispose("extension shutting down");
    this.active?.ws.close(1001, "extension shutting down");
    this.active = undefined;
  }

  // ---- connection handling ----

  private async rpcFor(): Promise<RpcEndpoint<HostCallWindowChannel>> {
    await this.ensureWindow();
    if (!this.active) throw new Error("call window not connected");
    return this.active.rpc;
  }

  private accept(ws: WebSocket): void {
    const rpc = new RpcEndpoint<HostCallWindowChannel>(
      (e: Envelope) => ws.send(JSON.stringify(e)),
      undefined,
      (method, err) => this.options.log.warn(`call window: ${method} ignored (${messageOf(err)})`),
    );
    const conn: Connection = { ws, rpc, sessionIds: new Set() };
    let helloDone = false;

    ws.on("message", (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return; // not JSON: ignore rather than trust it
      }
      rpc.receive(msg);
    });
    ws.on("error", (err) => this.options.log.warn(`call window socket: ${err.message}`));
    ws.on("close", () => {
      rpc.dispose("call window disconnected");
      if (this.active === conn) this.onActiveClosed();
    });

    rpc.handle("window.hello", ({ protocolVersion, mediaSessionIds }) => {
      if (protocolVersion !== CALL_WINDOW_PROTOCOL_VERSION) {
        throw new Error(`call window protocol ${protocolVersion} does not match the extension's ${CALL_WINDOW_PROTOCOL_VERSION}: reload the page`);
      }
      const claimed: string[] = Array.isArray(mediaSessionIds) ? mediaSessionIds.filter((x): x is string => typeof x === "string") : [];
      // Media the page still holds for sessions that ended while it was away (their media.close
      // went nowhere): tell it to close that now; such ids are not live media.
      const held = new Set(claimed.filter((id) => this.sessions.has(id)));
      for (const stale of claimed.filter((id) => !held.has(id))) setTimeout(() => rpc.notify("media.close", { sessionId: stale }), 0);
      const current = this.active;
      if (current && current !== conn && current.sessionIds.size > 0) {
        // The window holding live media wins; the newcomer is told to stand down.
        setTimeout(() => {
          rpc.notify("window.superseded", { reason: "another call window holds the active calls" });
          ws.close(4000, "superseded");
        }, 0);
        return { calls: this.options.calls(), room: this.options.room?.() ?? null };
      }
      if (current && current !== conn) {
        current.rpc.notify("window.superseded", { reason: "a newer call window was opened" });
        current.ws.close(4000, "superseded");
      }
      helloDone = true;
      conn.sessionIds = held;
      this.activate(conn);
      return { calls: this.options.calls(), room: this.options.room?.() ?? null };
    });
    // Only the active window, after its hello, speaks for the calls; others are ignored.
    const live = () => helloDone && this.active === conn;
    rpc.on("call.action", (action) => live() && this._onCallAction.fire(action));
    rpc.on("room.action", (action) => live() && this._onRoomAction.fire(action));
    rpc.on("media.stats", (s) => {
      // Only for sessions this host gave the page: page-supplied ids are not stored.
      if (!live() || !s || typeof s !== "object" || typeof s.sessionId !== "string" || !this.sessions.has(s.sessionId)) return;
      this.lastStats.set(s.sessionId, s);
      this._onStats.fire({ session: { id: s.sessionId, owner: this.sessions.get(s.sessionId)! }, stats: s });
    });
    rpc.on("media.ice", (p) => {
      const owner = live() && typeof p?.sessionId === "string" ? this.sessions.get(p.sessionId) : undefined;
      if (owner && (p.state === "connected" || p.state === "disconnected" || p.state === "failed")) this._onIce.fire({ session: { id: p.sessionId, owner }, state: p.state });
    });
    rpc.on("media.data", (p) => {
      const owner = live() && typeof p?.sessionId === "string" ? this.sessions.get(p.sessionId) : undefined;
      if (!owner || typeof p.text !== "string" || p.text.length > MAX_DATA_MESSAGE) return;
      this._onData.fire({ session: { id: p.sessionId, owner }, text: p.text });
    });
    rpc.on("media.dataOpen", (p) => {
      const owner = live() && typeof p?.sessionId === "string" ? this.sessions.get(p.sessionId) : undefined;
      if (owner) this._onDataOpen.fire({ id: p.sessionId, owner });
    });
    rpc.on("media.spare", (p) => {
      const s = p?.spare;
      conn.spare =
        s && typeof s.id === "string" && typeof s.sdp === "string" && s.sdp.startsWith("v=0") && Array.isArray(s.iceServers)
          ? { id: s.id, sdp: s.sdp, iceKey: JSON.stringify(s.iceServers) }
          : undefined;
    });
    rpc.on("media.error", (e) => {
      if (!live()) return;
      // A browser error can quote the far end's SDP: the one sanitiser, before any UI sees it.
      const owner = typeof e?.sessionId === "string" ? this.sessions.get(e.sessionId) : undefined;
      const session = owner ? { id: e.sessionId as string, owner } : undefined;
      this._onError.fire({ session, message: safeUiText(typeof e?.message === "string" ? e.message : "media error") || "media error" });
    });
    rpc.on("media.recording", (p) => {
      if (!live() || !p || typeof p.sessionId !== "string" || !Number.isInteger(p.seq) || typeof p.data !== "string" || typeof p.final !== "boolean") return;
      this._onRecording.fire({ sessionId: p.sessionId, seq: p.seq, data: p.data, final: p.final });
    });
    rpc.on("devices.list", (p) => {
      if (!live()) return;
      this.devices = parseDeviceList(p?.devices);
      const inUse: Partial<Record<DeviceKind, string>> = {};
      for (const [k, v] of Object.entries(p?.inUse ?? {})) if (isDeviceKind(k) && typeof v === "string") inUse[k] = v;
      this.devicesInUse = inUse;
      this._onDevices.fire(this.devices);
    });
    rpc.on("devices.choose", (p) => {
      if (!live() || !isDeviceKind(p?.kind)) return;
      this.chooseDevice(p.kind, { deviceId: String(p.deviceId), label: String(p.label ?? "") }).catch((err) =>
        this.options.log.warn(`call window: device choice ignored (${messageOf(err)})`),
      );
    });
    rpc.on("devices.fallback", (p) => {
      if (!live() || !isDeviceKind(p?.kind)) return;
      const clean = (v: unknown) => safeUiText(typeof v === "string" ? v : "").slice(0, 200) || "unnamed device";
      const notice = { kind: p.kind, wanted: clean(p.wanted), using: clean(p.using) };
      this.options.log.warn(`call window: ${notice.kind} "${notice.wanted}" is not available; using "${notice.using}"`);
      this._onDeviceFallback.fire(notice);
    });
    rpc.on("window.closing", () => {
      if (this.active !== conn || !helloDone) return;
      // The user closed or reloaded the page: its media is gone now, not after a grace
      // period, and nothing more may be sent to it (a new call must open a new window).
      this.active = undefined;
      this._onDidChangeConnection.fire(false);
      this.applyRinging();
      this.loseMedia("the call window was closed");
    });
  }

  private activate(conn: Connection): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    const wasConnected = !!this.active;
    this.active = conn;
    // Sessions whose media the reconnecting page no longer has (it was reloaded) are lost.
    const lost = [...this.sessions].filter(([id]) => !conn.sessionIds.has(id)).map(([id, owner]) => ({ id, owner }));
    if (lost.length) {
      for (const s of lost) this.sessions.delete(s.id);
      this._onMediaLost.fire({ sessions: lost, reason: "the call window was reloaded" });
    }
    for (const w of [...this.waiters]) w();
    this.pushDeviceSettings();
    this.applyRinging();
    if (!wasConnected) this._onDidChangeConnection.fire(true);
  }

  private onActiveClosed(): void {
    this.active = undefined;
    this._onDidChangeConnection.fire(false);
    this.applyRinging();
    if (this.sessions.size === 0) return;
    // Give a page whose socket merely dropped time to reconnect before ending its calls.
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      if (!this.active) this.loseMedia("the call window disconnected");
    }, this.options.reconnectGraceMs ?? 5000);
  }

  private loseMedia(reason: string): void {
    const lost = [...this.sessions].map(([id, owner]) => ({ id, owner }));
    this.sessions.clear();
    if (lost.length) this._onMediaLost.fire({ sessions: lost, reason });
  }
}
