// Reads `softphone.*` settings and turns them into validated account configs, telling the
// user (once per change) exactly which field of which account is wrong.
import { isAbsolute } from "node:path";
import * as vscode from "vscode";
import { DEFAULT_CALL_WINDOW_PORT } from "../media/callWindowServer";
import type { AudioProcessing } from "../protocol/callWindow";
import type { SoftphoneSettings } from "../settings";
import { parseAccounts, type AccountConfig } from "./accountConfig";

export const SECTION = "softphone";

export function readAccounts(): { accounts: AccountConfig[]; errors: string[] } {
  return parseAccounts(vscode.workspace.getConfiguration(SECTION).get<unknown>("accounts", []));
}

export function readSettings(): SoftphoneSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const dtmf = c.get<string>("dtmfMode", "rfc4733");
  const ring = Number(c.get<number>("ringTimeoutSeconds", 60));
  return {
    defaultAccountId: c.get<string>("defaultAccount") || undefined,
    sipTrace: c.get<boolean>("sipTrace", false) === true,
    doNotDisturb: c.get<boolean>("doNotDisturb", false) === true,
    askBeforeTransfer: c.get<boolean>("transfer.askFirst", false) === true,
    roomsServer: roomsServer(c.get<unknown>("rooms.server")),
    recordAllCalls: c.get<boolean>("recording.recordAll", false) === true,
    recordingFolder: absoluteOrUndefined(c.get<string>("recording.folder", "")),
    dtmfMode: dtmf === "info" ? "info" : "rfc4733",
    ringTimeoutMs: Number.isFinite(ring) && ring >= 5 ? Math.min(ring, 600) * 1000 : 60000,
  };
}

/** A folder setting: used only when it is an absolute path (a relative one has no clear base). */
function absoluteOrUndefined(v: unknown): string | undefined {
  return typeof v === "string" && isAbsolute(v.trim()) ? v.trim() : undefined;
}

/** `softphone.callWindowPort`, read once at start (the page's origin must not move mid-session). */
export function readCallWindowPort(): number {
  const v = vscode.workspace.getConfiguration(SECTION).get<number>("callWindowPort", DEFAULT_CALL_WINDOW_PORT);
  return Number.isInteger(v) && v >= 0 && v <= 65535 ? v : DEFAULT_CALL_WINDOW_PORT;
}

/** `softphone.audio.*`: the microphone's processing (anything but `false` keeps it on). */
export function readAudioProcessing(): AudioProcessing {
  const c = vscode.workspace.getConfiguration(`${SECTION}.audio`);
  const on = (key: string) => c.get<unknown>(key, true) !== false;
  return { echoCancellation: on("echoCancellation"), noiseSuppression: on("noiseSuppression"), autoGainControl: on("autoGainControl") };
}

export type CallWindowMode = "auto" | "integratedBrowser" | "externalBrowser";

export function readCallWindowMode(): CallWindowMode {
  const v = vscode.workspace.getConfiguration(SECTION).get<string>("callWindow", "auto");
  return v === "integratedBrowser" || v === "externalBrowser" ? v : "auto";
}

let lastShown = "";

/** Show settings problems once per distinct set, with a way to fix them. */
export function reportSettingsErrors(errors: string[]): void {
  const text = errors.join("\n");
  if (!errors.length || text === lastShown) {
    if (!errors.length) lastShown = "";
    return;
  }
  lastShown = text;
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? "s" : ""})` : "";
  void vscode.window.showErrorMessage(`Softphone settings: ${first}${more}`, "Open Settings").then((pick) => {
    if (pick) void vscode.commands.executeCommand("workbench.action.openSettingsJson", { revealSetting: { key: "softphone.accounts" } });
  });
}

/** A ws:// or wss:// URL, else no rooms (a broken value must not reach the WebSocket client). */
function roomsServer(value: unknown): string | undefined {
  if (typeof value !== "string" || !/^wss?:\/\/[^\s]+$/i.test(value.trim())) return undefined;
  try {
    return new URL(value.trim()).toString();
  } catch {
    return undefined;
  }
}
