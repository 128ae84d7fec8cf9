// The phone as a window that does not own it sees it: state mirrored from the owner's
// snapshots (so status bar, sidebar and pickers read it synchronously, as from a local phone),
// commands run in the owner over the local link, and the alerts the owner routes here.
import { connect, type Socket } from "node:net";
import { PHONE_LINK_VERSION, type PhoneSnapshot, type RemoteMethods, type WindowSide } from "../protocol/phoneLink";
import type { ConversationView, MessageView } from "../protocol/model";
import { RpcEndpoint } from "../protocol/rpc";
import { Emitter, type Disposable } from "../util/emitter";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import { lineSocket } from "./lineSocket";
import type { OwnerRecord } from "./ownerLock";
import { callMeant, type Phone, type PhoneAlerts, type PhoneMessages, type PhoneRooms } from "./phone";

/** Commands may take a while in the owner (a room join opens the call window and publishes). */
const REQUEST_TIMEOUT_MS = 60000;

export class RemotePhone implements Phone, Disposable {
  private snap: PhoneSnapshot;
  private closed = false;
  private readonly _onDidChangeState = new Emitter<PhoneSnapshot["state"]>();
  private readonly _onDidChangeHistory = new Emitter<void>();
  private readonly _onDidChangeDevices = new Emitter<PhoneSnapshot["devices"]["devices"]>();
  private readonly _onRoomChange = new Emitter<void>();
  private readonly _onMessagesChange = new Emitter<void>();
  private readonly _onMessageReceived = new Emitter<MessageView>();
  private readonly _onClosed = new Emitter<void>();
  private readonly alertEmitters = {
    incomingCall: new Emitter<Parameters<Parameters<PhoneAlerts["onIncomingCall"]>[0]>[0]>(),
    message: new Emitter<MessageView>(),
    mediaError: new Emitter<{ message: string }>(),
    deviceFallback: new Emitter<Parameters<Parameters<PhoneAlerts["onDeviceFallback"]>[0]>[0]>(),
    roomNotice: new Emitter<string>(),
  };

  readonly onDidChangeState = this._onDidChangeState.event;
  readonly onDidChangeHistory = this._onDidChangeHistory.event;
  readonly onDidChangeDevices = this._onDidChangeDevices.event;
  /** The link is gone (the owner closed or died): time to elect a new owner. */
  readonly onClosed = this._onClosed.event;
  readonly alerts: PhoneAlerts = {
    onIncomingCall: this.alertEmitters.incomingCall.event,
    onMessage: this.alertEmitters.message.event,
    onMediaError: this.alertEmitters.mediaError.event,
    onDeviceFallback: this.alertEmitters.deviceFallback.event,
    onRoomNotice: this.alertEmitters.roomNotice.event,
  };
  readonly rooms: PhoneRooms;
  readonly messages: PhoneMessages;
  readonly presence = { lampOf: (address: string) => this.snap.lamps[address] ?? "unknown" };

  /** Connect to the owner `record` names; rejects when it cannot be reached or refuses us. */
  static async connect(record: OwnerRecord, options: { focused: boolean; log: Logger; timeoutMs?: number }): Promise<RemotePhone> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(record.endpoint);
      const timer = setTimeout(() => s.destroy(new Error("the owner does not answer")), options.timeoutMs ?? 3000);
      s.once("connect", () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const rpc = new RpcEndpoint<WindowSide>(() => undefined, REQUEST_TIMEOUT_MS, (method, err) => options.log.warn(`window link: ${method}: ${messageOf(err)}`));
    const pipe = lineSocket(socket, (m) => rpc.receive(m));
    rpc.setSender((e) => pipe.send(e));
    socket.on("error", () => undefined);
    try {
      const snapshot = await rpc.request("hello", { token: record.token, version: PHONE_LINK_VERSION, focused: options.focused }, options.timeoutMs ?? 3000);
      return new RemotePhone(socket, rpc, snapshot);
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  private constructor(
    private readonly socket: Socket,
    private readonly rpc: RpcEndpoint<WindowSide>,
    snapshot: PhoneSnapshot,
  ) {
    this.snap = snapshot;
    const call =
      <K extends keyof RemoteMethods>(name: K) =>
      (...args: Parameters<RemoteMethods[K]>) =>
        this.rpc.request(name, args as never) as Promise<Awaited<ReturnType<RemoteMethods[K]>>>;
    /** For the phone's fire-and-forget methods: a failure is logged by the owner, not thrown here. */
    const fire =
      <K extends keyof RemoteMethods>(name: K) =>
      (...args: Parameters<RemoteMethods[K]>) =>
        void call(name)(...args).catch(() => undefined);
    this.dial = call("dial");
    this.act = call("act");
    this.roomAct = call("roomAct");
    this.transfer = call("transfer");
    this.recentCalls = call("recentCalls");
    this.recentTargets = call("recentTargets");
    this.redial = call("redial");
    this.clearHistory = call("clearHistory");
    this.showCallWindow = call("showCallWindow");
    this.showCallWindowIfClosed = call("showCallWindowIfClosed");
    this.chooseDevice = call("chooseDevice");
    this.testDevices = call("testDevices");
    this.reconnect = call("reconnect");
    this.rooms = {
      view: () => this.snap.room ?? undefined,
      list: call("rooms.list"),
      listPage: call("rooms.listPage"),
      create: call("rooms.create"),
      destroy: call("rooms.destroy"),
      kick: call("rooms.kick"),
      setRecording: call("rooms.setRecording"),
      sendMessage: call("rooms.sendMessage"),
      markChatRead: fire("rooms.markChatRead"),
      join: call("rooms.join"),
      leave: call("rooms.leave"),
      setMuted: fire("rooms.setMuted"),
      setCameraOff: fire("rooms.setCameraOff"),
      setReceiving: call("rooms.setReceiving"),
      shareScreen: call("rooms.shareScreen"),
      reconnect: call("rooms.reconnect"),
      onDidChange: this._onRoomChange.event,
    };
    this.messages = {
      send: call("messages.send"),
      retry: call("messages.retry"),
      conversations: call("messages.conversations") as () => Promise<ConversationView[]>,
      conversation: call("messages.conversation"),
      typing: fire("messages.typing"),
      markRead: call("messages.markRead"),
      onDidChange: this._onMessagesChange.event,
      onDidReceive: this._onMessageReceived.event,
    };
    rpc.onNotes({
      snapshot: (s) => {
        const roomChanged = JSON.stringify(s.room) !== JSON.stringify(this.snap.room);
        this.snap = s;
        this._onDidChangeState.fire(s.state);
        if (roomChanged) this._onRoomChange.fire();
      },
      "history.changed": () => this._onDidChangeHistory.fire(),
      "messages.changed": () => this._onMessagesChange.fire(),
      "messages.received": (m) => this._onMessageReceived.fire(m),
      "devices.changed": (list) => this._onDidChangeDevices.fire(list),
      "alert.incomingCall": (a) => this.alertEmitters.incomingCall.fire(a),
      "alert.message": (m) => this.alertEmitters.message.fire(m),
      "alert.mediaError": (e) => this.alertEmitters.mediaError.fire(e),
      "alert.deviceFallback": (f) => this.alertEmitters.deviceFallback.fire(f),
      "alert.roomNotice": (t) => this.alertEmitters.roomNotice.fire(t),
    });
    socket.on("close", () => {
      rpc.dispose("the window that owns the phone closed");
      if (this.closed) return;
      this.closed = true;
      this._onClosed.fire();
    });
  }

  // ---- run in the owner ----
  readonly dial: Phone["dial"];
  readonly act: Phone["act"];
  readonly roomAct: Phone["roomAct"];
  readonly transfer: Phone["transfer"];
  readonly recentCalls: Phone["recentCalls"];
  readonly recentTargets: Phone["recentTargets"];
  readonly redial: Phone["redial"];
  readonly clearHistory: Phone["clearHistory"];
  readonly showCallWindow: Phone["showCallWindow"];
  readonly showCallWindowIfClosed: Phone["showCallWindowIfClosed"];
  readonly chooseDevice: Phone["chooseDevice"];
  readonly testDevices: Phone["testDevices"];
  readonly reconnect: Phone["reconnect"];

  // ---- read from the last snapshot ----
  getState(): PhoneSnapshot["state"] {
    return this.snap.state;
  }
  accountViews(): PhoneSnapshot["accounts"] {
    return this.snap.accounts;
  }
  callViews(): PhoneSnapshot["calls"] {
    return this.snap.calls;
  }
  currentCall(prefer?: "ringing-incoming"): PhoneSnapshot["calls"][number] | undefined {
    return callMeant(this.snap.calls, prefer);
  }
  get contacts(): PhoneSnapshot["contacts"] {
    return this.snap.contacts;
  }
  get settingsErrors(): readonly string[] {
    return this.snap.settingsErrors;
  }
  get roomsAvailable(): boolean {
    return this.snap.roomsAvailable;
  }
  get callWindowConnected(): boolean {
    return this.snap.callWindowConnected;
  }
  devices(): PhoneSnapshot["devices"] {
    return this.snap.devices;
  }
  dialInAddress(): string | undefined {
    return this.snap.dialInAddress;
  }

  /** This window gained or lost focus (notifications go where the user is). */
  setFocus(focused: boolean): void {
    this.rpc.notify("focus", { focused });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  dispose(): void {
    this.closed = true;
    this.socket.destroy();
    this.rpc.dispose("the window is closing");
    for (const e of [this._onDidChangeState, this._onDidChangeHistory, this._onDidChangeDevices, this._onRoomChange, this._onMessagesChange, this._onMessageReceived, this._onClosed]) e.dispose();
    for (const e of Object.values(this.alertEmitters)) e.dispose();
  }
}
