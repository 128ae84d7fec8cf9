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
import { guardWith, registerCommands } from "./ui/commands";
import { registerRoomCommands } from "./ui/roomCommands";
import { registerMessageCommands } from "./ui/messageCommands";
import { readContacts } from "./ui/contactSettings";
import { RoomStatusItem } from "./ui/roomStatus";
import { RoomSecrets, RoomsServerSecrets } from "./rooms/roomSecrets";
import { watchAway } from "./ui/awayWatcher";
import { confirmTransfer } from "./ui/confirmTransfer";
import { showIncomingCall } from "./ui/incomingCall";
import { SidebarViewProvider, SIDEBAR_VIEW_ID } from "./ui/sidebarView";
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
}

let phone: Softphone | undefined;

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
  const webviewDir = vscode.Uri.joinPath(context.extensionUri, "dist", "webview").fsPath;
  const roomsServerSecrets = new RoomsServerSecrets(context.secrets);
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
  phone = softphone;

  const statusBar = new StatusBar();
  const roomStatus = new RoomStatusItem();
  const sidebar: SidebarViewProvider = new SidebarViewProvider(context.extensionUri, {
    state: () => buildSidebarState(softphone),
    refresh: () => sidebarPublisher.refresh(),
    dial: (target, accountId, video) => softphone.dial(target, { accountId, video }),
    sendRoomMessage: (text, to) => softphone.rooms.sendMessage(text, { to }).then(() => undefined),
    listRooms: (kind, page) => softphone.rooms.listPage({ kind, page }),
    conversation: (accountId, peer) => softphone.messages.conversation(accountId, peer),
    sendMessage: (accountId, peer, text) => softphone.messages.send(peer, text, accountId).then(() => undefined),
    notes: sidebarNoteHandlers(softphone, (msg) => sidebar.toast("error", msg)),
  });

  const sidebarPublisher = new SidebarPublisher(softphone, sidebar);

  const askedForPassword = new Set<string>();
  const render = () => {
    const accounts = softphone.accountViews();
    statusBar.update(accounts, softphone.callViews(), { doNotDisturb: readSettings().doNotDisturb });
    // An account without a password cannot work: ask once per account and session.
    for (const a of accounts) {
      if (a.reason?.kind !== "config" || askedForPassword.has(a.id)) continue;
      askedForPassword.add(a.id);
      void vscode.window.showWarningMessage(`Softphone: ${a.reason.message}`, "Set Password").then((pick) => {
        if (pick) void vscode.commands.executeCommand("softphone.setPassword", a.id);
      });
    }
  };
  /** Read the accounts from `softphone.*`, recording and showing what is wrong (naming the field). */
  const readAccountSettings = () => {
    const { accounts, errors } = readAccounts();
    const contacts = readContacts();
    softphone.setContacts(contacts.contacts);
    softphone.setSettingsErrors([...errors, ...contacts.errors]);
    reportSettingsErrors([...errors, ...contacts.errors]);
    return accounts;
  };
  const onState = new vscode.EventEmitter<SoftphoneState>();
  context.subscriptions.push(
    channel,
    statusBar,
    sidebar,
    sidebarPublisher,
    onState,
    vscode.window.registerWebviewViewProvider(SIDEBAR_VIEW_ID, sidebar),
    toDisposable(softphone.onDidChangeState((s) => {
      render();
      onState.fire(s);
    })),
    toDisposable(softphone.onIncomingCall((call) => {
      const account = softphone.account(call.accountId);
      void showIncomingCall(call, account?.config.label ?? call.accountId, {
        act: (action) => softphone.act(action),
        isRinging: (id) => softphone.callViews().find((c) => c.id === id)?.state === "ringing",
      });
    })),
    toDisposable(softphone.onMediaError(({ message }) => void vscode.window.showErrorMessage(`Softphone call window: ${message}`))),
    toDisposable(
      softphone.onDeviceFallback(({ kind, wanted, using }) => {
        void vscode.window
          .showWarningMessage(`Softphone: the ${DEVICE_KIND_NAMES[kind].toLowerCase()} "${wanted}" is not available; using ${using}.`, "Select Devices")
          .then((pick) => pick && vscode.commands.executeCommand("softphone.selectDevices"));
      }),
    ),
    passwords.onDidChange((id) => void softphone.restartAccount(id)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.audio`)) softphone.applyAudioSettings();
      if (e.affectsConfiguration(`${SECTION}.doNotDisturb`)) {
        render();
        softphone.updateOwnPresence();
      }
      if (e.affectsConfiguration(SECTION)) void softphone.setAccounts(readAccountSettings());
    }),
    ...registerCommands({ softphone, passwords, log }),
    ...registerRoomCommands({ softphone, secrets: new RoomSecrets(context.secrets), serverSecrets: roomsServerSecrets, server: () => readSettings().roomsServer, guarded: guardWith(log) }),
    softphone.rooms.onNotice((text) => void vscode.window.showWarningMessage(`Softphone: ${text}`)),
    watchAway((away) => softphone.setAway(away)),
    roomStatus,
    softphone.rooms.onDidChange(() => roomStatus.update(softphone.rooms.view())),
    ...registerMessageCommands({ softphone, guarded: guardWith(log), sidebarVisible: () => sidebar.visible, showUnread: (n) => sidebar.showUnread(n) }),
  );
  render();

  // Start after activation returns: opening sockets must never delay VS Code's start-up.
  const ready = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(async () => {
    await softphone.start(readAccountSettings());
    render();
    const moved = softphone.server.portFallback;
    if (moved) {
      void vscode.window.showWarningMessage(
        `Softphone: port ${moved.wanted} for the call window is ${moved.reason}; using ${moved.used} for this session, so the browser will ask for microphone and camera permission again. Set softphone.callWindowPort to a free port to keep it stable.`,
      );
    }
    readyMs = performance.now() - activationStart;
  });
  ready.catch((err) => log.error(`start-up failed: ${err instanceof Error ? err.stack : err}`));

  const activationMs = performance.now() - activationStart;
  return {
    diagnostics: () => ({ activationMs, readyMs }),
    getState: () => softphone.getState(),
    onDidChangeState: onState.event,
    dial: async (target, options) => {
      await ready;
      return softphone.dial(target, options ?? {});
    },
    hangup: (callId) => softphone.act({ action: "hangup", callId }),
    transfer: async (callId, target, options) => {
      await ready;
      return softphone.transfer(callId, target, options);
    },
    act: (action) => softphone.act(action),
    sendMessage: async (target, text, options) => {
      await ready;
      return softphone.messages.send(target, text, options?.accountId);
    },
    onDidReceiveMessage: (listener, thisArgs, disposables) => {
      const sub = toDisposable(softphone.messages.onDidReceive((m) => listener.call(thisArgs, m)));
      if (Array.isArray(disposables)) disposables.push(sub);
      return sub;
    },
    ready,
  };
}

export async function deactivate(): Promise<void> {
  // Unregister and send BYE for live calls; bounded inside (each step has a timeout).
  await phone?.dispose();
  phone = undefined;
}

function toDisposable(d: { dispose(): void }): vscode.Disposable {
  return new vscode.Disposable(() => d.dispose());
}
