// VS Code entry point. Activation is cheap and asynchronous: everything heavy (sockets,
// registration) starts after activate() has returned, and nothing here does synchronous I/O.
import * as vscode from "vscode";
import { readAccounts, readAudioProcessing, readCallWindowMode, readCallWindowPort, readSettings, reportSettingsErrors, SECTION } from "./accounts/accountSettings";
import { DEVICE_KIND_NAMES } from "./protocol/callWindow";
import type { DeviceChoices } from "./protocol/callWindow";
import type { MessageView, TransferView } from "./protocol/model";
import { PasswordStore } from "./accounts/secrets";
import { openCallWindow } from "./media/openCallWindow";
import type { CallAction } from "./protocol/callActions";
import type { SoftphoneState } from "./protocol/model";
import { Softphone } from "./softphone";
import type { Phone, PhoneAlerts } from "./phone/phone";
import { OwnerLock, type OwnerRecord } from "./phone/ownerLock";
import { PhoneHost } from "./phone/phoneHost";
import { PhoneSeat, type Seated } from "./phone/phoneSeat";
import type { RemotePhone } from "./phone/remotePhone";
import { messageOf } from "./util/text";
import { guardWith, registerCommands } from "./ui/commands";
import { registerRoomCommands } from "./ui/roomCommands";
import { registerMessageCommands } from "./ui/messageCommands";
import { readContacts } from "./ui/contactSettings";
import { RoomStatusItem } from "./ui/roomStatus";
import { RoomSecrets, RoomsServerSecrets } from "./rooms/roomSecrets";
import { watchAway } from "./ui/awayWatcher";
import { confirmTransfer } from "./ui/confirmTransfer";
import { showIncomingCall } from "./ui/incomingCall";
import { SidebarViewProvider, SIDEBAR_VIEW_ID, type SidebarHandlers } from "./ui/sidebarView";
import { StatusBar } from "./ui/statusBar";
import type { Logger } from "./util/logger";
import { sidebarNoteHandlers } from "./ui/sidebarController";
import { buildSidebarState, SidebarPublisher } from "./ui/sidebarPublisher";

const DEVICE_CHOICES_KEY = "softphone.devices";

/** The API other extensions (and our tests) get from `activate()`. */
export interface SoftphoneApi {
  getState(): SoftphoneState;
  onDidChangeState: vscode.Event<SoftphoneState>;
  /** Place a call; `video: true` makes it a video call. */
  dial(target: string, options?: { accountId?: string; video?: boolean }): Promise<string>;
  hangup(callId?: string): Promise<void>;
  /**
   * Transfer a call: blind to a dial string, attended to another call (`{ callId }`), or to a
   * voicemail (`{ voicemailOf }`). Resolves with the attempt (state `transferring`); its later
   * states are in getState() and onDidChangeState (calls[].transfer).
   */
  transfer(callId: string | undefined, target: string | { callId: string } | { voicemailOf: string }, options?: { noAnswerTimeoutMs?: number }): Promise<TransferView>;
  /** Any call action (answer, decline, hangup, mute, hold, dtmf, video, camera, transfer): the same table the UI uses. */
  act(action: CallAction): Promise<void>;
  /** A 1:1 message (SIP MESSAGE, ≤ 2048 characters); resolves once stored, with state "sending". */
  sendMessage(target: string, text: string, options?: { accountId?: string }): Promise<MessageView>;
  /** A message arrived (already stored, 200 OK sent). Its text is untrusted. */
  onDidReceiveMessage: vscode.Event<MessageView>;
  /** Resolves when accounts have been started (registration may still be in progress). */
  ready: Promise<void>;
  /** Start-up costs, for `npm run bench`: activate() itself and activation → accounts started. */
  diagnostics(): { activationMs: number; readyMs?: number };
  /** Whether this window owns the phone ("owner") or shows another window's ("window"); undefined while starting. */
  role(): "owner" | "window" | undefined;
}

let seat: PhoneSeat | undefined;

export function activate(context: vscode.ExtensionContext): SoftphoneApi {
  const activationStart = performance.now();
  let readyMs: number | undefined;
  const channel = vscode.window.createOutputChannel("Softphone", { log: true });
  // VS Code may close the channel while we shut down (deactivate races the disposal of our
  // subscriptions), and a closed channel throws: a log line must never cost the un-REGISTER or
  // the BYE that shutdown is sending. Lines that can no longer be written are dropped.
  const safely = (write: (m: string) => void) => (m: string) => {
    try {
      write(m);
    } catch {
      /* the channel is closed: nothing to write to */
    }
  };
  const log: Logger = {
    trace: safely((m) => channel.trace(m)),
    info: safely((m) => channel.info(m)),
    warn: safely((m) => channel.warn(m)),
    error: safely((m) => channel.error(m)),
  };
  const passwords = new PasswordStore(context.secrets);
  const roomsServerSecrets = new RoomsServerSecrets(context.secrets);
  const roomSecrets = new RoomSecrets(context.secrets);
  const guarded = guardWith(log);
  const statusBar = new StatusBar();
  const roomStatus = new RoomStatusItem();
  const onState = new vscode.EventEmitter<SoftphoneState>();
  const onMessage = new vscode.EventEmitter<MessageView>();

  // One phone per machine: the window that owns it runs it, every other window links to it (src/phone).
  const lock = new OwnerLock(context.globalStorageUri.fsPath);
  const phoneNow = (): Phone => {
    const p = seat?.current?.phone;
    if (!p) throw new Error("the softphone is still starting (or handing over between windows): try again in a moment");
    return p;
  };
  const sidebarHandlers = (phone: Phone): SidebarHandlers => ({
    state: () => buildSidebarState(phone),
    refresh: () => sidebarPublisher?.refresh(),
    dial: (target, accountId, video) => phone.dial(target, { accountId, video }),
    sendRoomMessage: (text, to) => phone.rooms.sendMessage(text, { to }).then(() => undefined),
    listRooms: (kind, page) => phone.rooms.listPage({ kind, page }),
    conversation: (accountId, peer) => phone.messages.conversation(accountId, peer),
    sendMessage: (accountId, peer, text) => phone.messages.send(peer, text, accountId).then(() => undefined),
    notes: sidebarNoteHandlers(phone, (msg) => sidebar.toast("error", msg)),
  });
  let sidebarPublisher: SidebarPublisher | undefined;
  /** Stands in for the phone until this window has its seat: anything asked of it says so. */
  const notYet = new Proxy({} as Phone, { get: (_target, key) => Reflect.get(phoneNow(), key) });
  const sidebar: SidebarViewProvider = new SidebarViewProvider(context.extensionUri, {
    ...sidebarHandlers(notYet),
    state: async () => buildSidebarState(phoneNow()),
  });

  /** What every window shows and runs, whichever window owns the phone. */
  const windowUi = (phone: Phone, alerts: PhoneAlerts, owner: boolean): vscode.Disposable[] => {
    const askedForPassword = new Set<string>();
    const render = () => {
      const accounts = phone.accountViews();
      statusBar.update(accounts, phone.callViews(), { doNotDisturb: readSettings().doNotDisturb, linked: !owner });
      // An account without a password cannot work: the owner asks once per account and session.
      if (!owner) return;
      for (const a of accounts) {
        if (a.reason?.kind !== "config" || askedForPassword.has(a.id)) continue;
        askedForPassword.add(a.id);
        void vscode.window.showWarningMessage(`Softphone: ${a.reason.message}`, "Set Password").then((pick) => {
          if (pick) void vscode.commands.executeCommand("softphone.setPassword", a.id);
        });
      }
    };
    sidebarPublisher = new SidebarPublisher(phone, sidebar);
    sidebar.use(sidebarHandlers(phone));
    roomStatus.update(phone.rooms.view());
    render();
    onState.fire(phone.getState());
    return [
      sidebarPublisher,
      toDisposable(phone.onDidChangeState((s) => {
        render();
        onState.fire(s);
      })),
      toDisposable(phone.messages.onDidReceive((m) => onMessage.fire(m))),
      toDisposable(alerts.onIncomingCall(({ call, accountLabel }) => {
        void showIncomingCall(call, accountLabel, {
          act: (action) => phone.act(action),
          isRinging: (id) => phone.callViews().find((c) => c.id === id)?.state === "ringing",
        });
      })),
      toDisposable(alerts.onMediaError(({ message }) => void vscode.window.showErrorMessage(`Softphone call window: ${message}`))),
      toDisposable(
        alerts.onDeviceFallback(({ kind, wanted, using }) => {
          void vscode.window
            .showWarningMessage(`Softphone: the ${DEVICE_KIND_NAMES[kind].toLowerCase()} "${wanted}" is not available; using ${using}.`, "Select Devices")
            .then((pick) => pick && vscode.commands.executeCommand("softphone.selectDevices"));
        }),
      ),
      toDisposable(alerts.onRoomNotice((text) => void vscode.window.showWarningMessage(`Softphone: ${text}`))),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.doNotDisturb`) && render()),
      ...registerCommands({ softphone: phone, passwords, log }),
      ...registerRoomCommands({ softphone: phone, secrets: roomSecrets, serverSecrets: roomsServerSecrets, server: () => readSettings().roomsServer, guarded }),
      toDisposable(phone.rooms.onDidChange(() => roomStatus.update(phone.rooms.view()))),
      ...registerMessageCommands({ softphone: phone, alerts, guarded, sidebarVisible: () => sidebar.visible, showUnread: (n) => sidebar.showUnread(n) }),
    ];
  };

  /** This window owns the phone: accounts, SIP, the call window and history run here. */
  const becomeOwner = async (record: OwnerRecord): Promise<Seated> => {
    const webviewDir = vscode.Uri.joinPath(context.extensionUri, "dist", "webview").fsPath;
    const softphone: Softphone = new Softphone({
      log,
      historyDir: context.globalStorageUri.fsPath,
      webviewDir,
      mediaDir: vscode.Uri.joinPath(context.extensionUri, "media").fsPath,
      password: (id) => passwords.get(id),
      openWindow: (url): Promise<void> => openCallWindow(url, readCallWindowMode(), softphone.server, log),
      settings: readSettings,
      callWindowPort: readCallWindowPort(),
      // Device choices belong to this machine's user, not to a workspace: globalState.
      deviceStore: {
        load: () => context.globalState.get<DeviceChoices>(DEVICE_CHOICES_KEY),
        save: async (choices) => context.globalState.update(DEVICE_CHOICES_KEY, choices),
      },
      audioProcessing: readAudioProcessing,
      confirmTransfer,
      roomsCredentials: (server) => roomsServerSecrets.get(server),
    });
    const host = new PhoneHost({
      phone: softphone,
      alerts: {
        onIncomingCall: (listener) =>
          softphone.onIncomingCall((call) => listener({ call, accountLabel: softphone.accountViews().find((a) => a.id === call.accountId)?.label ?? call.accountId })),
        onMessage: softphone.messages.onDidReceive,
        onMediaError: softphone.onMediaError,
        onDeviceFallback: softphone.onDeviceFallback,
        onRoomNotice: softphone.rooms.onNotice,
      },
      record,
      log,
    });
    /** Read the accounts from `softphone.*`, recording and showing what is wrong (naming the field). */
    const readAccountSettings = () => {
      const { accounts, errors } = readAccounts();
      const contacts = readContacts();
      softphone.setContacts(contacts.contacts);
      softphone.setSettingsErrors([...errors, ...contacts.errors]);
      reportSettingsErrors([...errors, ...contacts.errors]);
      return accounts;
    };
    host.setOwnFocus(vscode.window.state.focused);
    const parts: vscode.Disposable[] = [
      ...windowUi(softphone, host.localAlerts, true),
      passwords.onDidChange((id) => void softphone.restartAccount(id)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.audio`)) softphone.applyAudioSettings();
        if (e.affectsConfiguration(`${SECTION}.doNotDisturb`)) softphone.updateOwnPresence();
        if (e.affectsConfiguration(SECTION)) void softphone.setAccounts(readAccountSettings());
      }),
      vscode.window.onDidChangeWindowState((s) => host.setOwnFocus(s.focused)),
      // Away: no window of this phone focused for a while (any linked window counts).
      watchAway((away) => softphone.setAway(away), { focused: () => host.anyFocused(), onDidChange: host.onDidChangeFocus }),
    ];
    await host.listen().catch((err) => log.warn(`other windows cannot link to this one: ${messageOf(err)}`));
    // Whatever fails here shows on the accounts; the window still owns the phone (electing again would link it to itself).
    await softphone.start(readAccountSettings()).catch((err) => log.error(`start-up failed: ${messageOf(err)}`));
    const moved = softphone.server.portFallback;
    if (moved) {
      void vscode.window.showWarningMessage(
        `Softphone: port ${moved.wanted} for the call window is ${moved.reason}; using ${moved.used} for this session, so the browser will ask for microphone and camera permission again. Set softphone.callWindowPort to a free port to keep it stable.`,
      );
    }
    return {
      role: "owner",
      phone: softphone,
      dispose: async () => {
        for (const d of parts) d.dispose();
        // Goodbyes (un-REGISTER, BYE) leave first, as VS Code may end this host soon; the link and the owner file go
        // beside them, so another window takes the phone over while this one finishes.
        const goodbye = softphone.dispose();
        host.dispose();
        await lock.release().catch(() => undefined);
        await goodbye;
      },
    };
  };

  /** Another window owns the phone: this one shows it and sends it its commands. */
  const becomeWindow = (remote: RemotePhone): Seated => {
    const parts = [...windowUi(remote, remote.alerts, false), vscode.window.onDidChangeWindowState((s) => remote.setFocus(s.focused))];
    return {
      role: "window",
      phone: remote,
      dispose: async () => {
        for (const d of parts) d.dispose();
        remote.dispose();
      },
    };
  };

  const thisSeat = new PhoneSeat({ lock, log, becomeOwner, becomeWindow, focused: () => vscode.window.state.focused });
  seat = thisSeat;
  context.subscriptions.push(channel, statusBar, sidebar, onState, onMessage, roomStatus, vscode.window.registerWebviewViewProvider(SIDEBAR_VIEW_ID, sidebar));

  // Start after activation returns: opening sockets must never delay VS Code's start-up.
  const ready = new Promise<void>((resolve) => setTimeout(resolve, 0))
    .then(() => thisSeat.take())
    .then(() => {
      readyMs = performance.now() - activationStart;
    });
  ready.catch((err) => log.error(`start-up failed: ${err instanceof Error ? err.stack : err}`));
  const when = async () => {
    await ready;
    return phoneNow();
  };

  const activationMs = performance.now() - activationStart;
  return {
    diagnostics: () => ({ activationMs, readyMs }),
    role: () => thisSeat.current?.role,
    getState: () => seat?.current?.phone.getState() ?? { accounts: [], calls: [], callWindow: { connected: false }, settingsErrors: [] },
    onDidChangeState: onState.event,
    dial: async (target, options) => (await when()).dial(target, options ?? {}),
    hangup: async (callId) => (await when()).act({ action: "hangup", callId }),
    transfer: async (callId, target, options) => (await when()).transfer(callId, target, options),
    act: async (action) => (await when()).act(action),
    sendMessage: async (target, text, options) => (await when()).messages.send(target, text, options?.accountId),
    onDidReceiveMessage: onMessage.event,
    ready,
  };
}

export async function deactivate(): Promise<void> {
  // Unregister and send BYE for live calls (bounded inside), after handing the phone to another window.
  await seat?.dispose();
  seat = undefined;
}

function toDisposable(d: { dispose(): void }): vscode.Disposable {
  return new vscode.Disposable(() => d.dispose());
}
