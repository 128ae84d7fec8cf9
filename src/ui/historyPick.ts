// "Softphone: Show Call History": a quick pick of past calls; choosing one redials it.
import * as vscode from "vscode";
import type { HistoryEntry } from "../protocol/model";
import type { Phone } from "../phone/phone";
import { formatDuration } from "./format";
import { partyLabel, safeUiText } from "../calls/remoteParty";

const OUTCOME_ICON: Record<string, string> = {
  answered: "$(pass)",
  missed: "$(call-incoming)",
  declined: "$(close)",
  busy: "$(circle-slash)",
  failed: "$(error)",
  cancelled: "$(discard)",
  interrupted: "$(warning)",
};

export function describeEntry(e: HistoryEntry): string {
  const dir = e.direction === "incoming" ? "in" : "out";
  const outcome = e.outcome ?? "in progress";
  const code = e.status && e.status >= 300 ? ` ${e.status}` : "";
  const dur = e.durationSec ? ` · ${formatDuration(e.durationSec)}` : "";
  return `${dir} · ${outcome}${code}${dur}${e.recording ? " · recorded" : ""} · ${new Date(e.startedAt).toLocaleString()}`;
}

export async function showHistory(softphone: Phone): Promise<string | undefined> {
  const entries = await softphone.recentCalls(200);
  if (!entries.length) {
    void vscode.window.showInformationMessage("Softphone: no calls yet.");
    return;
  }
  const pick = await vscode.window.showQuickPick(
    entries.map((e) => ({
      label: `${OUTCOME_ICON[e.outcome ?? ""] ?? "$(circle-outline)"} ${safeUiText(partyLabel(e.remote))}`,
      description: describeEntry(e),
      entry: e,
    })),
    { title: "Softphone: Call History", placeHolder: "Pick a call to redial it", matchOnDescription: true },
  );
  if (!pick) return;
  const recording = pick.entry.recording;
  const choices = ["Redial", "Save as Contact…", ...(recording ? ["Open Recording", "Reveal Recording in the File Manager"] : [])];
  const what = await vscode.window.showQuickPick(choices, { title: `Softphone: ${safeUiText(partyLabel(pick.entry.remote))}` });
  if (what === "Save as Contact…") return void (await vscode.commands.executeCommand("softphone.addContact", undefined, pick.entry.remote.uri, pick.entry.remote.displayName));
  if (recording && what === "Open Recording") return void (await vscode.env.openExternal(vscode.Uri.file(recording)));
  if (recording && what === "Reveal Recording in the File Manager") return void (await vscode.commands.executeCommand("revealFileInOS", vscode.Uri.file(recording)));
  if (what !== "Redial") return;
  return softphone.redial(pick.entry);
}
