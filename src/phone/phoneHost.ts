// The owner's end of the local link: other VS Code windows connect, show the token from the
// owner file, and from then on receive the phone's state after each change and run their
// commands here. It also decides which window shows each notification: the one the user was
// in last (focused windows first), so an incoming call raises one toast, not one per window.
import { chmod, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { PHONE_LINK_VERSION, type OwnerSide, type PhoneSnapshot, type RemoteMethods, type WindowNotes } from "../protocol/phoneLink";
import { RpcEndpoint } from "../protocol/rpc";
import { Emitter, type Disposable } from "../util/emitter";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import { lineSocket } from "./lineSocket";
import type { OwnerRecord } from "./ownerLock";
import type { Phone, PhoneAlerts } from "./phone";

/** A window that has said hello. */
interface LinkedWindow {
  rpc: RpcEndpoint<OwnerSide>;
  socket: Socket;
  focused: boolean;
  /** When it last gained focus (monotonic ms). */
  focusedAt: number;
}

/** The owner's own window, in the same terms. */
const OWN = Symbol("own window");

export interface PhoneHostOptions {
  phone: Phone;
  /** The phone's alerts, before routing: each goes to one window. */
  alerts: PhoneAlerts;
  record: OwnerRecord;
  log: Logger;
}

export class PhoneHost implements Disposable {
  private readonly server: Server;
  private readonly windows = new Set<LinkedWindow>();
  private own = { focused: false, focusedAt: 0 };
  private readonly subscriptions: Disposable[] = [];
  private readonly methods: RemoteMethods;
  private readonly _onDidChangeFocus = new Emitter<void>();
  /** Some window's focus changed (see anyFocused). */
  readonly onDidChangeFocus = this._onDidChangeFocus.event;
  private readonly local = {
    incomingCall: new Emitter<Parameters<Parameters<PhoneAlerts["onIncomingCall"]>[0]>[0]>(),
    message: new Emitter<Parameters<Parameters<PhoneAlerts["onMessage"]>[0]>[0]>(),
    mediaError: new Emitter<{ message: string }>(),
    deviceFallback: new Emitter<Parameters<Parameters<PhoneAlerts["onDeviceFallback"]>[0]>[0]>(),
    roomNotice: new Emitter<string>(),
  };
  /** The alerts this (the owner's) window is to show itself. */
  readonly localAlerts: PhoneAlerts = {
    onIncomingCall: this.local.incomingCall.event,
    onMessage: this.local.message.event,
    onMediaError: this.local.mediaError.event,
    onDeviceFallback: this.local.deviceFallback.event,
    onRoomNotice: this.local.roomNotice.event,
  };

  constructor(private readonly options: PhoneHostOptions) {
    this.methods = remoteMethods(options.phone);
    this.server = createServer((socket) => this.accept(socket));
    const { phone, alerts } = options;
    this.subscriptions.push(
      phone.onDidChangeState(() => this.broadcast("snapshot", snapshotOf(phone))),
      phone.onDidChangeDevices((list) => {
        this.broadcast("devices.changed", list);
        this.broadcast("snapshot", snapshotOf(phone));
      }),
      phone.onDidChangeHistory(() => this.broadcast("history.changed", null)),
      phone.messages.onDidChange(() => this.broadcast("messages.changed", null)),
      phone.messages.onDidReceive((m) => this.broadcast("messages.received", m)),
      alerts.onIncomingCall((a) => this.route("alert.incomingCall", a, this.local.incomingCall)),
      alerts.onMessage((m) => this.route("alert.message", m, this.local.message)),
      alerts.onMediaError((e) => this.route("alert.mediaError", e, this.local.mediaError)),
      alerts.onDeviceFallback((f) => this.route("alert.deviceFallback", f, this.local.deviceFallback)),
      alerts.onRoomNotice((t) => this.route("alert.roomNotice", t, this.local.roomNotice)),
    );
  }

  /** Listen where the owner record says. We hold the owner file, so a socket file left there is a dead owner's. */
  async listen(): Promise<void> {
    const endpoint = this.options.record.endpoint;
    if (process.platform !== "win32") await rm(endpoint, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(endpoint, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.server.on("error", (err) => this.options.log.warn(`window link: ${messageOf(err)}`));
    // Only this user may connect (the token is checked too: named pipes have no file mode).
    if (process.platform !== "win32") await chmod(endpoint, 0o600).catch(() => undefined);
  }

  /** Windows linked now (not counting the owner's own). */
  get linkedWindows(): number {
    return this.windows.size;
  }

  /** The owner's own window gained or lost focus. */
  setOwnFocus(focused: boolean): void {
    this.own = { focused, focusedAt: focused ? performance.now() : this.own.focusedAt };
    this._onDidChangeFocus.fire();
  }

  /** Whether any window of this phone is focused (the user is at the machine). */
  anyFocused(): boolean {
    return this.own.focused || [...this.windows].some((w) => w.focused);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const w of this.windows) {
      w.rpc.dispose("the window that owns the phone is closing");
      w.socket.destroy();
    }
    this.windows.clear();
    this.server.close();
    if (process.platform !== "win32") void rm(this.options.record.endpoint, { force: true }).catch(() => undefined);
    this._onDidChangeFocus.dispose();
  }

  /** The window an alert goes to: the focused one that gained focus last, else the one focused last. */
  private target(): LinkedWindow | typeof OWN {
    let best: LinkedWindow | typeof OWN = OWN;
    let bestKey = [this.own.focused ? 1 : 0, this.own.focusedAt];
    for (const w of this.windows) {
      const key = [w.focused ? 1 : 0, w.focusedAt];
      if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
        best = w;
        bestKey = key;
      }
    }
    return best;
  }

  private route<K extends keyof WindowNotes>(method: K, value: WindowNotes[K], local: Emitter<WindowNotes[K]>): void {
    const to = this.target();
    if (to === OWN) local.fire(value);
    else to.rpc.notify(method, value);
  }

  private broadcast<K extends keyof WindowNotes>(method: K, value: WindowNotes[K]): void {
    for (const w of this.windows) w.rpc.notify(method, value);
  }

  private accept(socket: Socket): void {
    const log = this.options.log;
    let window: LinkedWindow | undefined;
    const rpc = new RpcEndpoint<OwnerSide>(() => undefined, 15000, (method, err) => log.warn(`window link: ${method}: ${messageOf(err)}`));
    const pipe = lineSocket(socket, (m) => rpc.receive(m));
    rpc.setSender((e) => pipe.send(e));
    // Nothing but hello is answered before hello: an unknown peer learns nothing and runs nothing.
    const helloBy = setTimeout(() => window || socket.destroy(), 5000);
    rpc.handle("hello", ({ token, version, focused } = {} as never) => {
      if (token !== this.options.record.token) {
        socket.destroy();
        throw new Error("wrong token");
      }
      if (version !== PHONE_LINK_VERSION) throw new Error(`this window runs link version ${version}; the phone's owner runs ${PHONE_LINK_VERSION}: reload the older window`);
      clearTimeout(helloBy);
      if (!window) {
        window = { rpc, socket, focused: focused === true, focusedAt: focused === true ? performance.now() : 0 };
        this.windows.add(window);
        log.info(`window linked (${this.windows.size} besides this one)`);
        this._onDidChangeFocus.fire();
      }
      return snapshotOf(this.options.phone);
    });
    for (const name of Object.keys(this.methods) as Array<keyof RemoteMethods>) {
      rpc.handle(name, (params: unknown) => {
        if (!window) throw new Error("say hello first");
        if (!Array.isArray(params)) throw new Error(`${name}: arguments must be a list`);
        return (this.methods[name] as (...args: unknown[]) => unknown)(...params) as never;
      });
    }
    rpc.on("focus", (p) => {
      if (!window) return;
      window.focused = p?.focused === true;
      if (window.focused) window.focusedAt = performance.now();
      this._onDidChangeFocus.fire();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(helloBy);
      rpc.dispose("the window closed");
      if (window && this.windows.delete(window)) {
        log.info(`window unlinked (${this.windows.size} besides this one)`);
        this._onDidChangeFocus.fire();
      }
    });
  }
}

/** Everything another window shows, read from the phone now. */
export function snapshotOf(phone: Phone): PhoneSnapshot {
  const state = phone.getState();
  return {
    state,
    accounts: phone.accountViews(),
    calls: phone.callViews(),
    contacts: [...phone.contacts],
    lamps: state.presence?.contacts ?? {},
    settingsErrors: [...phone.settingsErrors],
    roomsAvailable: phone.roomsAvailable,
    callWindowConnected: phone.callWindowConnected,
    room: phone.rooms.view() ?? null,
    devices: phone.devices(),
    dialInAddress: phone.dialInAddress(),
  };
}

/** The phone's methods by their link names; the compiler checks none is missing. */
function remoteMethods(phone: Phone): RemoteMethods {
  const { rooms, messages } = phone;
  return {
    dial: (...a) => phone.dial(...a),
    act: (...a) => phone.act(...a),
    roomAct: (...a) => phone.roomAct(...a),
    transfer: (...a) => phone.transfer(...a),
    recentCalls: (...a) => phone.recentCalls(...a),
    recentTargets: (...a) => phone.recentTargets(...a),
    redial: (...a) => phone.redial(...a),
    clearHistory: () => phone.clearHistory(),
    showCallWindow: () => phone.showCallWindow(),
    showCallWindowIfClosed: () => phone.showCallWindowIfClosed(),
    chooseDevice: (...a) => phone.chooseDevice(...a),
    testDevices: () => phone.testDevices(),
    reconnect: (...a) => phone.reconnect(...a),
    "rooms.list": () => rooms.list(),
    "rooms.listPage": (...a) => rooms.listPage(...a),
    "rooms.create": (...a) => rooms.create(...a),
    "rooms.destroy": (...a) => rooms.destroy(...a),
    "rooms.kick": (...a) => rooms.kick(...a),
    "rooms.setRecording": (...a) => rooms.setRecording(...a),
    "rooms.sendMessage": (...a) => rooms.sendMessage(...a),
    "rooms.markChatRead": () => rooms.markChatRead(),
    "rooms.join": (...a) => rooms.join(...a),
    "rooms.leave": () => rooms.leave(),
    "rooms.setMuted": (...a) => rooms.setMuted(...a),
    "rooms.setCameraOff": (...a) => rooms.setCameraOff(...a),
    "rooms.setReceiving": (...a) => rooms.setReceiving(...a),
    "rooms.shareScreen": (...a) => rooms.shareScreen(...a),
    "rooms.reconnect": () => rooms.reconnect(),
    "messages.send": (...a) => messages.send(...a),
    "messages.retry": (...a) => messages.retry(...a),
    "messages.conversations": () => messages.conversations(),
    "messages.conversation": (...a) => messages.conversation(...a),
    "messages.typing": (...a) => messages.typing(...a),
    "messages.markRead": (...a) => messages.markRead(...a),
  };
}
