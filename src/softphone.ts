// The product's core, free of the `vscode` module: accounts (one UserAgent each), calls, the
// call window (media) and history, wired together. src/extension.ts adapts it to VS Code;
// integration tests drive it directly against the real PBX.
import { join } from "node:path";
import type { AccountConfig } from "./accounts/accountConfig";
import type { Contact } from "./contacts/contactList";
import { runCallAction } from "./calls/callActions";
import { CallManager, type CallManagerOptions } from "./calls/callManager";
import { RoomService } from "./rooms/roomService";
import { runRoomAction } from "./rooms/roomActions";
import type { RoomsServerCredentials } from "./rooms/roomModel";
import { PresenceService } from "./presence/presenceService";
import { DialInService } from "./rooms/dialIn/dialInService";
import { MessageService } from "./messages/messageService";
import { MessageStore } from "./messages/messageStore";
import type { DialogueTiming } from "./rooms/dialIn/dialInDialogue";
import { HistoryStore } from "./history/historyStore";
import { LiveDialogStore } from "./calls/liveDialogs";
import { LeftoverCalls } from "./calls/leftoverCalls";
import { sendDialogBye } from "./sip/dialogBye";
import { CallWindowServer } from "./media/callWindowServer";
import { MediaEngine } from "./media/mediaEngine";
import { RecordingFiles } from "./calls/recordings";
import type { DeviceChoiceStore } from "./media/devices";
import type { AudioProcessing, DeviceInfo, DeviceKind } from "./protocol/callWindow";
import { SystemRinger, type Ringer } from "./media/systemRinger";
import { NetworkWatch } from "./sip/networkWatch";
import type { AccountView, CallView, HistoryEntry, SoftphoneState, TransferView } from "./protocol/model";
import type { TransferOptions, TransferTarget } from "./calls/transfers";
import { AccountPool } from "./accounts/accountPool";
import type { SipAccount } from "./sip/sipAccount";
import type { SoftphoneSettings } from "./settings";
import { accountViews, publicState } from "./stateProjection";
import { Emitter, type Event } from "./util/emitter";
import type { Logger } from "./util/logger";
import { messageOf } from "./util/text";

export type { SoftphoneSettings } from "./settings";

export interface SoftphoneOptions {
  log: Logger;
  historyDir: string;
  webviewDir: string;
  mediaDir: string;
  /** Reads an account's password from SecretStorage (never from settings). */
  password: (accountId: string) => Promise<string | undefined>;
  openWindow: (localUrl: string) => Promise<void>;
  settings: () => SoftphoneSettings;
  /** Test hook: backoff schedule for reconnects. */
  retryDelay?: (attempt: number) => number;
  lingerMs?: number;
  reconnectGraceMs?: number;
  /** See CallManagerOptions.maxRingingIncoming. */
  maxRingingIncoming?: number;
  /** How long a dial-in caller may take over each digit (tests shorten it). */
  dialInTiming?: DialogueTiming;
  /** Default folder for recordings (the extension: its global storage); the setting wins. */
  recordingsDir?: string;
  /**
   * Asks the user whether to follow the other party's REFER, when softphone.transfer.askFirst
   * is on (VS Code: a notification; without one the transfer is refused).
   */
  confirmTransfer?: CallManagerOptions["confirmTransfer"];
  /** Test hook: see CallManagerOptions.transferTiming. */
  transferTiming?: { firstNotifyMs?: number; finalNotifyMs?: number };
  /** Call window port (see CallWindowServerOptions.port); default DEFAULT_CALL_WINDOW_PORT. */
  callWindowPort?: number;
  /** How often the network interfaces are compared (ms); 0 = not watched. Default 3000. */
  networkWatchMs?: number;
  /** Rings when no call window is open; defaults to the OS sound player with media/ring.wav. */
  fallbackRinger?: Ringer;
  /** Where device choices are kept (the extension: globalState); default memory. */
  deviceStore?: DeviceChoiceStore;
  /** The microphone's processing (settings softphone.audio.*); default all on. */
  audioProcessing?: () => AudioProcessing;
  /** The rooms server's API secret and admin key (the extension: SecretStorage); default none. */
  roomsCredentials?: (server: string) => Promise<RoomsServerCredentials>;
}

export class Softphone {
  // The parts, for the core's wiring and the integration tests. The UI (src/ui, extension.ts)
  // goes through the methods further down: call actions, views and events, not these internals.
  readonly server: CallWindowServer;
  readonly media: MediaEngine;
  readonly calls: CallManager;
  readonly history: HistoryStore;
  readonly recordings: RecordingFiles;
  readonly rooms: RoomService;
  readonly dialIn: DialInService;
  /** 1:1 messages (SIP MESSAGE), kept beside the call history. */
  readonly messages: MessageService;
  /** Our contacts' lamps (SUBSCRIBE) and our own state (PUBLISH). */
  readonly presence: PresenceService;
  /** The user stepped away (no VS Code window focused for a while): published as "away". */
  private away = false;
  /** Whether the presence account was registered at the last look: a new registration re-subscribes. */
  private presenceRegistered = false;
  private readonly accounts: AccountPool;
  /** Ends the calls a killed run left up (see leftoverCalls.ts). */
  private readonly leftovers: LeftoverCalls;
  /** Accounts registered at the last look: a new registration sweeps for leftovers. */
  private readonly registered = new Set<string>();
  private _settingsErrors: string[] = [];
  private _contacts: Contact[] = [];
  private readonly _onDidChangeState = new Emitter<SoftphoneState>();
  readonly onDidChangeState = this._onDidChangeState.event;
  private changeQueued = false;
  private readonly networkWatch?: NetworkWatch;

  constructor(private readonly options: SoftphoneOptions) {
    this.server = new CallWindowServer({ webviewDir: options.webviewDir, mediaDir: options.mediaDir, log: options.log, port: options.callWindowPort });
    this.history = new HistoryStore(options.historyDir);
    this.recordings = new RecordingFiles(() => options.settings().recordingFolder || options.recordingsDir || join(options.historyDir, "recordings"), options.log);
    this.media = new MediaEngine({
      server: this.server,
      log: options.log,
      openWindow: options.openWindow,
      calls: () => this.calls.views(),
      room: () => this.rooms.view() ?? null,
      iceServersFor: (owner) => {
        if (owner.kind !== "call") return []; // rooms: the Janus server answers with its own candidates
        const call = this.calls.get(owner.callId);
        const account = call ? this.accounts.get(call.accountId) : undefined;
        return account?.config.iceServers ?? [];
      },
      reconnectGraceMs: options.reconnectGraceMs,
      fallbackRinger: options.fallbackRinger ?? new SystemRinger(join(options.mediaDir, "ring.wav")),
      deviceStore: options.deviceStore,
      audioProcessing: options.audioProcessing,
    });
    const liveDialogs = new LiveDialogStore(options.historyDir);
    this.leftovers = new LeftoverCalls({
      store: liveDialogs,
      bye: (accountId, dialog) => {
        const account = this.accounts.get(accountId);
        return account ? sendDialogBye(account.ua, dialog) : Promise.reject(new Error(`no account "${accountId}"`));
      },
      log: options.log,
    });
    this.calls = new CallManager({
      liveDialogs,
      account: (id) => this.account(id),
      media: this.media,
      history: this.history,
      log: options.log,
      ringTimeoutMs: options.settings().ringTimeoutMs,
      lingerMs: options.lingerMs,
      dtmfMode: () => options.settings().dtmfMode,
      doNotDisturb: () => options.settings().doNotDisturb === true,
      maxRingingIncoming: options.maxRingingIncoming,
      transferTiming: options.transferTiming,
      recordings: this.recordings,
      recordAll: () => options.settings().recordAllCalls === true,
      confirmTransfer: (request) =>
        options.settings().askBeforeTransfer === true ? (options.confirmTransfer?.(request) ?? Promise.resolve(false)) : Promise.resolve(true),
    });
    this.accounts = new AccountPool({
      log: options.log,
      password: options.password,
      sipTrace: () => options.settings().sipTrace,
      registerExpires: () => options.settings().registerExpires,
      // Dial-in calls (accounts with roomDialIn) have their media here, as plain RTP; every other call's is in the call window.
      sessionDescriptionHandler: (session) => this.dialIn.handlerFor(session) ?? this.calls.sessionDescriptionHandler(session),
      onInvite: (acc, invitation) => (acc.config.roomDialIn ? void this.dialIn.take(invitation, acc.config.server) : this.calls.incoming(acc, invitation)),
      onMessage: (acc, message) => void this.messages.incoming(acc, message),
      onReconnected: (acc) => this.calls.reconnected(acc.id),
      retryDelay: options.retryDelay,
    });
    this.presence = new PresenceService({
      account: () => this.presenceAccount(),
      contacts: () => this._contacts.map((c) => c.address),
      log: options.log,
    });
    this.presence.onDidChange(() => this.changed());
    this.messages = new MessageService({ store: new MessageStore(options.historyDir), account: (id) => this.account(id), log: options.log });
    this.rooms = new RoomService({ server: () => options.settings().roomsServer, credentials: options.roomsCredentials, media: this.media, log: options.log });
    this.rooms.onDidChange(() => {
      this.media.pushRoom(this.rooms.view() ?? null);
      this.changed();
    });
    this.dialIn = new DialInService({
      rooms: { available: () => this.roomsAvailable, list: () => this.rooms.list(), joinByPhone: (room, o) => this.rooms.joinByPhone(room, o) },
      log: options.log,
      timing: options.dialInTiming,
    });
    this.dialIn.onDidChange(() => this.changed());
    this.accounts.onDidChange(() => {
      this.sweepNewlyRegistered();
      this.followPresenceAccount();
      this.changed();
    });
    this.calls.onDidChange(() => {
      this.media.pushCalls(this.calls.views());
      this.updateOwnPresence();
      this.changed();
    });
    // Each lost media session is reported to its owner (rooms will add theirs here).
    this.media.onMediaLost(({ sessions, reason }) => {
      this.calls.mediaLost(sessions.flatMap((s) => (s.owner.kind === "call" ? [s.owner.callId] : [])), reason);
    });
    // Pieces only for recordings the host started (RecordingFiles ignores any other id).
    this.media.onRecording((p) => this.recordings.write(p.sessionId, p.seq, p.data, p.final));
    this.media.onIce(({ session, state }) => {
      if (session.owner.kind === "call") this.calls.iceChanged(session.owner.callId, state);
    });
    if (options.networkWatchMs !== 0) {
      this.networkWatch = new NetworkWatch(options.networkWatchMs ?? 3000);
      this.networkWatch.onDidChange(({ added, removed }) => {
        options.log.info(`network changed (${[...added.map((a) => `+${a}`), ...removed.map((a) => `-${a}`)].join(", ")}): checking connections, restarting ICE in calls`);
        this.accounts.networkChanged();
        this.calls.networkChanged();
      });
    }
    this.media.onStats(({ session, stats }) => {
      if (session.owner.kind === "call") this.calls.mediaStats(session.owner.callId, stats);
    });
    this.media.onDidChangeConnection(() => this.changed());
    this.media.onCallAction((action) => {
      runCallAction(this.calls, action).catch((err) => options.log.warn(`call window action: ${messageOf(err)}`));
    });
    this.media.onRoomAction((action) => {
      this.roomAct(action).catch((err) => this.rooms.report(`Room: ${messageOf(err)}`));
    });
  }

  async start(configs: AccountConfig[]): Promise<void> {
    await this.server.start();
    await this.setAccounts(configs);
  }

  /** Apply a new account list: untouched accounts keep running, changed ones restart. */
  setAccounts(configs: AccountConfig[]): Promise<void> {
    return this.accounts.setAccounts(configs);
  }

  /** Problems found in the settings, one sentence each. */
  get settingsErrors(): readonly string[] {
    return this._settingsErrors;
  }

  /** The user's contacts (setting softphone.contacts), for pickers and the sidebar. */
  get contacts(): readonly Contact[] {
    return this._contacts;
  }

  setContacts(contacts: Contact[]): void {
    this._contacts = [...contacts];
    this.presence.refresh();
    this.changed();
  }

  /** The user is away (no window focused for a while) or back: published to whoever watches us. */
  setAway(away: boolean): void {
    this.away = away;
    this.updateOwnPresence();
  }

  /** What we publish: on the phone during any call, else do not disturb, away or available. */
  updateOwnPresence(): void {
    const inCall = this.calls.views().some((c) => c.state !== "cleared");
    const dnd = this.options.settings().doNotDisturb === true;
    this.presence.setOwnState(inCall ? "on-the-phone" : dnd ? "dnd" : this.away ? "away" : "available");
  }

  /** A fresh registration (first, or after a reconnect) subscribes and publishes anew: the server lost the old ones with the flow. */
  private followPresenceAccount(): void {
    const account = this.presenceAccount();
    const registered = account?.state === "registered";
    if (registered && !this.presenceRegistered) this.presence.resubscribe();
    else this.presence.refresh();
    this.presenceRegistered = registered;
  }

  /** Whose presence we watch and publish: the account that places calls; a dial-in line (roomDialIn) is the rooms' number, not a person. */
  private presenceAccount(): SipAccount | undefined {
    const account = this.account();
    return account && !account.config.roomDialIn ? account : this.accounts.all().find((a) => !a.config.roomDialIn);
  }

  /** Each account that has just registered ends the calls a killed run left up at their far ends. */
  private sweepNewlyRegistered(): void {
    const now = new Set(this.accounts.all().filter((a) => a.state === "registered").map((a) => a.id));
    for (const id of now) if (!this.registered.has(id)) void this.leftovers.accountRegistered(id);
    this.registered.clear();
    for (const id of now) this.registered.add(id);
  }

  /** Problems found in the settings (shown to the user and reported in getState()). */
  setSettingsErrors(errors: string[]): void {
    this._settingsErrors = [...errors];
    this.changed();
  }

  /** Restart one account, e.g. after its password changed. */
  restartAccount(id: string): Promise<void> {
    return this.accounts.restart(id);
  }

  reconnect(id: string): Promise<void> {
    return this.accounts.reconnect(id);
  }

  account(id?: string): SipAccount | undefined {
    if (id) return this.accounts.get(id);
    const preferred = this.options.settings().defaultAccountId;
    const chosen = preferred ? this.accounts.get(preferred) : undefined;
    if (chosen) return chosen;
    const all = this.accounts.all();
    return all.find((a) => a.state === "registered") ?? all[0];
  }

  /** Whether a rooms server is set up (softphone.rooms.server). */
  get roomsAvailable(): boolean {
    return !!this.options.settings().roomsServer;
  }

  /** The account that answers phone callers for the rooms (roomDialIn), if any. */
  dialInAccount(): AccountConfig | undefined {
    return this.accounts.all().find((a) => a.config.roomDialIn)?.config;
  }

  /** Where phones dial in to the rooms (the roomDialIn account's address), if anywhere. */
  dialInAddress(): string | undefined {
    return this.dialInAccount()?.uri;
  }

  accountViews(): AccountView[] {
    return accountViews(this.accounts.all(), this.account());
  }

  getState(): SoftphoneState {
    return publicState({
      accounts: this.accounts.all(),
      calls: this.calls.views(),
      callWindowConnected: this.media.connected,
      settingsErrors: this._settingsErrors,
      room: this.rooms.view(),
      dialIns: this.dialIn.views(),
      presence: { own: this.presence.ownState, contacts: this.presence.lamps() },
    });
  }

  // ---- what the UI uses ----

  /** Place a call (video with `video: true`); resolves with its id once it exists. */
  dial(target: string, options: { accountId?: string; video?: boolean } = {}): Promise<string> {
    return this.calls.dial(target, options);
  }

  /** Any call action, checked (it may come from a webview): the one action table. */
  act(action: unknown): Promise<void> {
    return runCallAction(this.calls, action);
  }

  /** Any room action, checked (it may come from a webview or the call window): the room action table. */
  roomAct(action: unknown): Promise<void> {
    return runRoomAction(this.rooms, action);
  }

  /** Transfer a call (see CallManager.transfer); resolves with the attempt. */
  transfer(callId: string | undefined, target: TransferTarget, options?: TransferOptions): Promise<TransferView> {
    return this.calls.transfer(callId, target, options);
  }

  callViews(): CallView[] {
    return this.calls.views();
  }

  /** The call a command without an id means: the ringing one when `prefer`, else the newest live one. */
  currentCall(prefer?: "ringing-incoming"): CallView | undefined {
    return this.calls.pick(undefined, prefer)?.view();
  }

  readonly onIncomingCall: Event<CallView> = (listener) => this.calls.onIncoming(listener);

  get callWindowConnected(): boolean {
    return this.media.connected;
  }

  showCallWindow(): Promise<void> {
    return this.media.showWindow();
  }

  /** Open the call window only when none is connected (a second one would take over). */
  showCallWindowIfClosed(): Promise<void> {
    return this.media.ensureWindow();
  }

  readonly onMediaError: Event<{ message: string }> = (listener) => this.media.onError(listener);

  /** The devices the call window offers, and the ones in use. */
  devices(): ReturnType<MediaEngine["availableDevices"]> {
    return this.media.availableDevices();
  }

  /** Use and keep this device (mid-call too, without renegotiation). */
  chooseDevice(kind: DeviceKind, device: { deviceId: string; label: string }): Promise<void> {
    return this.media.chooseDevice(kind, device);
  }

  /** The call window's device list changed. */
  readonly onDidChangeDevices: Event<DeviceInfo[]> = (listener) => this.media.onDevices(listener);

  /** A chosen device is gone; the default took over. */
  readonly onDeviceFallback: Event<{ kind: DeviceKind; wanted: string; using: string }> = (listener) => this.media.onDeviceFallback(listener);

  /** Open the call window's device test (microphone meter, speaker tone, camera preview). */
  testDevices(): Promise<void> {
    return this.media.testDevices();
  }

  /** The microphone processing settings changed: apply them. */
  applyAudioSettings(): void {
    this.media.pushDeviceSettings();
  }

  /** Call history, newest first. */
  recentCalls(limit?: number): Promise<HistoryEntry[]> {
    return this.history.list(limit);
  }

  recentTargets(limit: number): Promise<string[]> {
    return this.history.recentTargets(limit);
  }

  clearHistory(): Promise<void> {
    return this.history.clear();
  }

  readonly onDidChangeHistory: Event<void> = (listener) => this.history.onDidChange(listener);

  /** Dial a history entry again, from its account when that still exists. */
  async redial(entry: HistoryEntry): Promise<string> {
    return this.dial(entry.remote.uri, { accountId: this.account(entry.accountId) ? entry.accountId : undefined });
  }

  /**
   * Shutdown (the window closes, the extension host stops): what others would otherwise keep —
   * calls (BYE) and registrations (un-REGISTER) — goes first and beside everything else, since
   * VS Code gives deactivation only a few seconds; rooms and recordings close alongside. Every
   * step is bounded inside.
   */
  async dispose(): Promise<void> {
    // The port first: another window taking the phone over starts its call window server now.
    this.server.stopListening();
    this.networkWatch?.dispose();
    // Un-REGISTER at once, beside the BYEs and the presence goodbyes (they keep the connection until all are done).
    const unregistered = this.accounts.unregisterAll().catch(() => undefined);
    const sip = (async () => {
      await Promise.all([this.calls.dispose().catch(() => undefined), this.dialIn.dispose().catch(() => undefined), this.presence.dispose().catch(() => undefined), unregistered]);
      await this.accounts.dispose();
    })();
    await Promise.all([sip, this.rooms.dispose().catch(() => undefined), this.recordings.closeAll().catch(() => undefined)]);
    this.media.dispose();
    this.server.dispose();
    this._onDidChangeState.dispose();
  }

  /** Coalesce bursts of changes (a call setup fires several) into one state event. */
  private changed(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      this._onDidChangeState.fire(this.getState());
    });
  }
}
