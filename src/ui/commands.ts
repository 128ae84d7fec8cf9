// Every `softphone.*` command. Commands that act on a call take an optional call id; without
// one they act on the call a person would mean (the ringing one, else the newest).
import * as vscode from "vscode";
import { addAccountFlow } from "../accounts/addAccountFlow";
import type { PasswordStore } from "../accounts/secrets";
import { partyLabel, safeUiText } from "../calls/remoteParty";
import type { Phone } from "../phone/phone";
import type { Logger } from "../util/logger";
import { callLabel, formatDuration, stateLabel } from "./format";
import { showHistory } from "./historyPick";
import { selectDevices } from "./devicePick";
import { pickTransferTarget } from "./transferPick";
import { DTMF_HINT, DTMF_TONES } from "../calls/dtmf";
import type { CallAction } from "../protocol/callActions";
import type { CallView } from "../protocol/model";
import { messageOf } from "../util/text";
import { contactItems } from "./contactItems";

interface Deps {
  softphone: Phone;
  passwords: PasswordStore;
  log: Logger;
}


/** Wraps a command: failures are shown to the user, and still reject so programmatic callers see them. */
export function guardWith(log: Logger) {
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R> | R) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        void vscode.window.showErrorMessage(`Softphone: ${messageOf(err)}`);
        log.warn(messageOf(err));
        throw err;
      }
    };
}

export function registerCommands({ softphone, passwords, log }: Deps): vscode.Disposable[] {
  const callMeant = (callId: string | undefined, none: string): CallView => {
    const id = asId(callId);
    const call = id ? softphone.callViews().find((c) => c.id === id) : softphone.currentCall();
    if (!call) throw new Error(none);
    return call;
  };
  const guarded = guardWith(log);

  const act = (action: CallAction) => softphone.act(action);
  const reg = (id: string, fn: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, fn);

  return [
    reg("softphone.dial", guarded(async (target?: unknown, options?: { accountId?: string; video?: boolean }) => {
      const input = typeof target === "string" ? target : await pickDialTarget(softphone);
      if (input === undefined) return undefined;
      return softphone.dial(input, { accountId: typeof options?.accountId === "string" ? options.accountId : undefined, video: options?.video === true });
    })),
    reg("softphone.videoCall", guarded(async (target?: unknown, options?: { accountId?: string }) => {
      const input = typeof target === "string" ? target : await pickDialTarget(softphone, "Video call");
      if (input === undefined) return undefined;
      return softphone.dial(input, { accountId: typeof options?.accountId === "string" ? options.accountId : undefined, video: true });
    })),
    reg("softphone.answer", guarded((callId?: string) => act({ action: "answer", callId: asId(callId) }))),
    reg("softphone.decline", guarded((callId?: string) => act({ action: "decline", callId: asId(callId) }))),
    reg("softphone.hangup", guarded((callId?: string) => act({ action: "hangup", callId: asId(callId) }))),
    // Toggles act on the call meant (by id, else the newest live one) and return its new state.
    reg("softphone.toggleMute", guarded(async (callId?: string) => {
      const call = callMeant(callId, "there is no call to mute");
      await act({ action: "mute", callId: call.id, muted: !call.muted });
      return !call.muted;
    })),
    reg("softphone.toggleHold", guarded(async (callId?: string) => {
      const call = callMeant(callId, "there is no call to hold");
      await act({ action: "hold", callId: call.id, held: !call.held });
      return !call.held;
    })),
    reg("softphone.toggleVideo", guarded(async (callId?: string) => {
      const call = callMeant(callId, "there is no call to start or stop video in");
      const on = !call.video?.sending;
      await act({ action: "video", callId: call.id, on });
      return on;
    })),
    reg("softphone.toggleCamera", guarded(async (callId?: string) => {
      const call = callMeant(callId, "there is no call to turn the camera off in");
      const off = !call.video?.cameraOff;
      await act({ action: "camera", callId: call.id, off });
      return off;
    })),
    reg("softphone.toggleRecording", guarded(async (callId?: string) => {
      const call = callMeant(callId, "there is no call to record");
      const on = !call.recording;
      await act({ action: "record", callId: call.id, on });
      return on;
    })),
    reg("softphone.toggleConference", guarded(async (callId?: string) => {
      const call = callMeant(callId, "there is no call to merge");
      const on = !call.conference;
      await act({ action: "conference", callId: call.id, on });
      return on;
    })),
    reg("softphone.toggleDoNotDisturb", guarded(async () => {
      const config = vscode.workspace.getConfiguration("softphone");
      const on = config.get<boolean>("doNotDisturb", false) !== true;
      await config.update("doNotDisturb", on, vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(on ? "Softphone: do not disturb — incoming calls are refused (486) and listed as missed." : "Softphone: do not disturb is off.");
      return on;
    })),
    reg("softphone.transfer", guarded(async (callId?: string, target?: unknown) => {
      const call = asId(callId) ? callMeant(callId, "there is no call to transfer") : await pickCallToTransfer(softphone);
      if (!call) return undefined;
      const where = typeof target === "string" ? { to: target } : isTransferTarget(target) ? target : await pickTransferTarget(softphone, call);
      if (!where) return undefined;
      await act({ action: "transfer", callId: call.id, ...where });
      return softphone.callViews().find((c) => c.id === call.id)?.transfer;
    })),
    reg("softphone.sendDtmf", guarded(async (tones?: string, callId?: string) => {
      const t =
        typeof tones === "string"
          ? tones
          : await vscode.window.showInputBox({ title: "Softphone: Send DTMF", prompt: `Tones to send (${DTMF_HINT})`, validateInput: (v) => (v === "" || DTMF_TONES.test(v) ? undefined : `Only ${DTMF_HINT}`) });
      if (!t) return;
      await act({ action: "dtmf", callId: asId(callId), tones: t });
    })),
    reg("softphone.openCallWindow", guarded(() => softphone.showCallWindow())),
    reg("softphone.selectDevices", guarded(() => selectDevices(softphone))),
    reg("softphone.testDevices", guarded(() => softphone.testDevices())),
    reg("softphone.getState", () => softphone.getState()),
    reg("softphone.showHistory", guarded(() => showHistory(softphone))),
    reg("softphone.clearHistory", guarded(async () => {
      const ok = await vscode.window.showWarningMessage("Clear the softphone's call history?", { modal: true }, "Clear");
      if (ok) await softphone.clearHistory();
    })),
    reg("softphone.addAccount", guarded(() => addAccountFlow(passwords))),
    reg("softphone.setPassword", guarded(async (accountId?: string, password?: string) => {
      const id = typeof accountId === "string" ? accountId : await pickAccount(softphone, "Set the password of which account?");
      if (!id) return;
      const pw =
        typeof password === "string"
          ? password
          : await vscode.window.showInputBox({ title: `Softphone: password for ${id}`, password: true, ignoreFocusOut: true, prompt: "Stored in VS Code's secret storage, never in settings" });
      if (pw === undefined) return;
      // Storing fires SecretStorage's change event, which restarts the account (in every window).
      await passwords.set(id, pw);
    })),
    reg("softphone.reconnect", guarded(async (accountId?: string) => {
      const id = typeof accountId === "string" ? accountId : softphone.accountViews().find((a) => a.isDefault)?.id;
      if (id) await softphone.reconnect(id);
    })),
    reg("softphone.showLog", () => vscode.commands.executeCommand("workbench.action.output.show.softphone-dev.softphone.Softphone")),
    reg("softphone.accountActions", guarded((accountId?: string) => accountActions(softphone, asId(accountId)))),
    reg("softphone.callActions", guarded(() => callActions(softphone))),
  ];
}

function asId(callId: unknown): string | undefined {
  return typeof callId === "string" && callId ? callId : undefined;
}

/** Quick pick for a number: recent targets offered, anything typed accepted as is. */
async function pickDialTarget(softphone: Phone, what = "Dial"): Promise<string | undefined> {
  const recent = await softphone.recentTargets(15).catch(() => [] as string[]);
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { target: string }>();
  qp.title = `Softphone: ${what}`;
  qp.placeholder = "Number, user name or sip: address";
  // Contacts first (their name shows, their address is dialled), then recent targets.
  const offered: Array<vscode.QuickPickItem & { target: string }> = [
    ...contactItems(softphone.contacts, (a) => softphone.presence.lampOf(a)),
    ...recent.map((uri) => ({ label: uri.replace(/^sips?:/, ""), description: "recent", target: uri.replace(/^sips?:/, "") })),
  ];
  qp.items = offered;
  qp.matchOnDescription = true;
  qp.onDidChangeValue((value) => {
    const typed = value.trim();
    qp.items = typed ? [{ label: typed, description: "call", target: typed }, ...offered.filter((i) => i.label !== typed)] : offered;
    if (typed) qp.activeItems = [qp.items[0]];
  });
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      const chosen = (qp.activeItems[0] as { target?: string } | undefined)?.target ?? qp.value.trim();
      resolve(chosen || undefined);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

async function pickAccount(softphone: Phone, title: string): Promise<string | undefined> {
  const accounts = softphone.accountViews();
  if (accounts.length === 1) return accounts[0].id;
  if (!accounts.length) {
    void vscode.window.showWarningMessage("Softphone: no account configured.", "Add Account").then((p) => p && vscode.commands.executeCommand("softphone.addAccount"));
    return;
  }
  const pick = await vscode.window.showQuickPick(
    accounts.map((a) => ({ label: a.id, description: `${a.uri} · ${a.state}` })),
    { title },
  );
  return pick?.label;
}

async function accountActions(softphone: Phone, accountId?: string): Promise<void> {
  const views = softphone.accountViews();
  const acc = views.find((a) => a.id === accountId) ?? views.find((a) => a.isDefault);
  type Item = vscode.QuickPickItem & { run: () => unknown };
  const items: Item[] = [];
  if (acc) {
    items.push(
      { label: "$(refresh) Reconnect", description: acc.reason?.message ?? acc.state, run: () => vscode.commands.executeCommand("softphone.reconnect", acc.id) },
      { label: "$(key) Set Password…", run: () => vscode.commands.executeCommand("softphone.setPassword", acc.id) },
    );
  }
  items.push(
    { label: "$(add) Add Account…", run: () => vscode.commands.executeCommand("softphone.addAccount") },
    { label: "$(call-outgoing) Dial…", run: () => vscode.commands.executeCommand("softphone.dial") },
    { label: "$(history) Call History", run: () => vscode.commands.executeCommand("softphone.showHistory") },
    { label: "$(settings-gear) Open Settings", run: () => vscode.commands.executeCommand("workbench.action.openSettings", "softphone") },
    { label: "$(output) Show Log", run: () => vscode.commands.executeCommand("softphone.showLog") },
  );
  const pick = await vscode.window.showQuickPick(items, { title: acc ? `Softphone: ${acc.label} (${acc.state})` : "Softphone" });
  await pick?.run();
}

async function callActions(softphone: Phone): Promise<void> {
  const v = softphone.currentCall("ringing-incoming") ?? softphone.currentCall();
  if (!v) {
    await vscode.commands.executeCommand("softphone.dial");
    return;
  }
  type Item = vscode.QuickPickItem & { run: () => unknown };
  const items: Item[] = [];
  if (v.direction === "incoming" && v.state === "ringing") {
    items.push(
      { label: "$(call-incoming) Answer", run: () => vscode.commands.executeCommand("softphone.answer", v.id) },
      { label: "$(close) Decline", run: () => vscode.commands.executeCommand("softphone.decline", v.id) },
    );
  } else {
    items.push({ label: "$(debug-disconnect) Hang Up", run: () => vscode.commands.executeCommand("softphone.hangup", v.id) });
    if (v.state === "incall") {
      items.push(
        { label: v.muted ? "$(unmute) Unmute" : "$(mute) Mute", run: () => vscode.commands.executeCommand("softphone.toggleMute", v.id) },
        { label: v.held ? "$(debug-continue) Resume" : "$(debug-pause) Hold", run: () => vscode.commands.executeCommand("softphone.toggleHold", v.id) },
        { label: "$(symbol-numeric) Send DTMF…", run: () => vscode.commands.executeCommand("softphone.sendDtmf", undefined, v.id) },
      );
    }
  }
  items.push({ label: "$(browser) Open Call Window", run: () => vscode.commands.executeCommand("softphone.openCallWindow") });
  const when = v.state === "incall" && v.answeredAt ? ` · ${formatDuration((Date.now() - v.answeredAt) / 1000)}` : "";
  const pick = await vscode.window.showQuickPick(items, { title: `${stateLabel(v)}${when} · ${safeUiText(callLabel(v))}`, placeHolder: safeUiText(partyLabel(v.remote)) });
  await pick?.run();
}

/** `{ toCallId }` or `{ voicemailOf }` from a script calling the command (checked again by the action table). */
function isTransferTarget(v: unknown): v is { toCallId?: string; voicemailOf?: string } {
  return typeof v === "object" && v !== null && ("toCallId" in v || "voicemailOf" in v);
}

/** Without a call id: the one call in progress, or the user picks one when there are several. */
async function pickCallToTransfer(softphone: Phone): Promise<CallView | undefined> {
  const live = softphone.callViews().filter((c) => c.state === "incall");
  if (live.length === 0) throw new Error("there is no call in progress to transfer");
  if (live.length === 1) return live[0];
  const pick = await vscode.window.showQuickPick(
    live.map((c) => ({ label: safeUiText(callLabel(c)), description: c.held ? "on hold" : "in call", call: c })),
    { title: "Softphone: Transfer which call?" },
  );
  return pick?.call;
}
