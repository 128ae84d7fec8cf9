// Two status bar items: the default account's registration, and the current call (state,
// other party, elapsed time). Clicking them opens the matching actions.
import * as vscode from "vscode";
import type { AccountView, CallView } from "../protocol/model";
import { safeUiText } from "../calls/remoteParty";
import { callLabel, elapsed, qualityDetail, stateLabel } from "./format";

const REG_ICON: Record<AccountView["state"], string> = {
  registered: "$(pass-filled)",
  registering: "$(sync~spin)",
  unregistered: "$(circle-slash)",
  failed: "$(error)",
};

export class StatusBar implements vscode.Disposable {
  private readonly reg = vscode.window.createStatusBarItem("softphone.registration", vscode.StatusBarAlignment.Left, 50);
  private readonly call = vscode.window.createStatusBarItem("softphone.call", vscode.StatusBarAlignment.Left, 49);
  private timer: ReturnType<typeof setInterval> | undefined;
  private current: CallView | undefined;

  constructor() {
    this.reg.name = "Softphone Registration";
    this.reg.command = "softphone.accountActions";
    this.call.name = "Softphone Call";
    this.call.command = "softphone.callActions";
  }

  private doNotDisturb = false;
  private linked = false;
  private liveCount = 0;

  /** `linked`: the phone runs in another VS Code window, which this one mirrors. */
  update(accounts: AccountView[], calls: CallView[], options: { doNotDisturb?: boolean; linked?: boolean } = {}): void {
    this.doNotDisturb = options.doNotDisturb === true;
    this.linked = options.linked === true;
    this.renderRegistration(accounts);
    // The call that matters most: a ringing incoming one, else the newest live, else the last cleared.
    const live = calls.filter((c) => c.state !== "cleared");
    this.liveCount = live.length;
    this.current =
      live.find((c) => c.direction === "incoming" && c.state === "ringing") ?? live[live.length - 1] ?? calls[calls.length - 1];
    this.renderCall();
    const needsTimer = live.some((c) => c.state === "incall");
    if (needsTimer && !this.timer) this.timer = setInterval(() => this.renderCall(), 1000);
    if (!needsTimer && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private renderRegistration(accounts: AccountView[]): void {
    const acc = accounts.find((a) => a.isDefault) ?? accounts[0];
    if (!acc) {
      this.reg.text = "$(call-outgoing) Softphone: no account";
      this.reg.tooltip = "No SIP account configured — click to add one";
      this.reg.backgroundColor = undefined;
      this.reg.show();
      return;
    }
    this.reg.text = `${REG_ICON[acc.state]} ${acc.label}${this.doNotDisturb ? " $(bell-slash) DND" : ""}`;
    const why = acc.reason ? `\n${acc.reason.message}` : "";
    const retry = acc.retryAt ? `\nretrying in ${Math.max(0, Math.round((acc.retryAt - Date.now()) / 1000))} s` : "";
    this.reg.tooltip = `Softphone: ${acc.uri} is ${acc.state}${why}${retry}${this.doNotDisturb ? "\nDo not disturb: incoming calls are refused" : ""}${this.linked ? "\nThe phone runs in another VS Code window; this one shows it" : ""}`;
    this.reg.backgroundColor = acc.state === "failed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.reg.show();
  }

  private renderCall(): void {
    const c = this.current;
    if (!c) {
      this.call.hide();
      return;
    }
    const icon = c.state === "cleared" ? "$(call-outgoing)" : c.direction === "incoming" ? "$(call-incoming)" : "$(call-outgoing)";
    const time = c.state === "incall" ? ` ${elapsed(c, Date.now())}` : "";
    // While a call's quality is poor, the item says so (the tooltip has the figures).
    const poor = c.state === "incall" && c.quality?.grade === "poor";
    const transfer = transferNote(c);
    // Several calls (call waiting, a consultation): how many, before the one shown.
    const count = this.liveCount > 1 ? `${this.liveCount} calls · ` : "";
    this.call.text = `${poor ? "$(warning) " : ""}${c.recording ? "$(record) " : ""}${icon} ${count}${stateLabel(c)}${time} · ${safeUiText(callLabel(c))}${poor ? " · poor quality" : ""}${transfer ? ` · ${transfer.short}` : ""}`;
    const hint =
      c.state === "ringing" && c.direction === "incoming" ? "Click to answer or decline" : c.state === "cleared" ? "Call ended" : "Click for call actions (hang up, mute, hold, call window)";
    this.call.tooltip = [hint, c.state === "incall" && c.quality ? qualityDetail(c.quality) : "", transfer?.long ?? ""].filter(Boolean).join("\n");
    this.call.backgroundColor =
      (c.state === "ringing" && c.direction === "incoming") || poor ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    this.call.show();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.reg.dispose();
    this.call.dispose();
  }
}

/** How long a finished transfer stays mentioned on the call's item. */
const TRANSFER_NOTE_MS = 15000;

/** The call's transfer, while it runs and shortly after it ended. */
function transferNote(c: CallView): { short: string; long: string } | undefined {
  const t = c.transfer;
  if (!t || t.state === "none") return undefined;
  const to = safeUiText(t.target.replace(/^sips?:/, ""));
  if (t.state === "transferring") return { short: `$(arrow-swap) transferring to ${to}…`, long: `Transferring to ${to} (${t.kind})` };
  if (t.endedAt !== undefined && Date.now() - t.endedAt > TRANSFER_NOTE_MS) return undefined;
  return t.state === "transferred"
    ? { short: `transferred to ${to}`, long: `Transferred to ${to}` }
    : { short: "$(error) transfer failed", long: `Transfer to ${to} failed: ${safeUiText(t.error ?? "unknown error")}` };
}
