// What the sidebar's intents do. Kept apart from the webview plumbing in sidebarView.ts; the
// state it is sent is built in sidebarPublisher.ts.
import * as vscode from "vscode";
import type { SidebarToHost } from "../protocol/sidebar";
import type { Softphone } from "../softphone";
import { messageOf } from "../util/text";

export function handleSidebarNote<K extends keyof SidebarToHost["notes"]>(
  softphone: Softphone,
  method: K,
  params: SidebarToHost["notes"][K],
  showError: (message: string) => void,
): void {
  const p = (params ?? {}) as Record<string, unknown>;
  const id = typeof p.callId === "string" ? p.callId : undefined;
  const calls = softphone.calls;
  const run = async () => {
    switch (method) {
      case "call.hangup":
        return calls.hangup(id);
      case "call.answer":
        return calls.answer(id);
      case "call.decline":
        return calls.decline(id);
      case "call.mute":
        return calls.setMuted(id, !!p.muted);
      case "call.hold":
        return calls.setHeld(id, !!p.held);
      case "call.dtmf":
        return calls.sendDtmf(id, String(p.tones ?? ""));
      case "history.redial": {
        const entry = (await softphone.history.list(500)).find((e) => e.id === p.entryId);
        if (!entry) throw new Error("that history entry no longer exists");
        return calls.dial(entry.remote.uri, { accountId: softphone.account(entry.accountId) ? entry.accountId : undefined });
      }
      case "history.clear":
        return vscode.commands.executeCommand("softphone.clearHistory");
      case "callWindow.open":
        return softphone.media.showWindow();
      case "account.actions":
        return vscode.commands.executeCommand("softphone.accountActions", typeof p.accountId === "string" ? p.accountId : undefined);
      case "account.add":
        return vscode.commands.executeCommand("softphone.addAccount");
    }
  };
  run().catch((err) => showError(messageOf(err)));
}
