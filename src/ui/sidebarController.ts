// What the sidebar's messages do: one handler per message the sidebar may send, checked by the
// compiler to be complete (SidebarToHost["notes"]). Kept apart from the webview plumbing in
// sidebarView.ts; the state the view is sent is built in sidebarPublisher.ts.
import * as vscode from "vscode";
import type { SidebarToHost } from "../protocol/sidebar";
import type { Phone } from "../phone/phone";
import { messageOf } from "../util/text";
import { safeLink } from "../util/chatText";
import { safeUiText } from "../calls/remoteParty";

export type SidebarNoteHandlers = { [K in keyof SidebarToHost["notes"]]: (params: SidebarToHost["notes"][K]) => void };

/** Params come from the webview: each handler checks what it uses before acting on it. */
export function sidebarNoteHandlers(softphone: Phone, showError: (message: string) => void): SidebarNoteHandlers {
  const guard =
    <P>(fn: (params: P) => Promise<unknown> | unknown) =>
    (params: P) =>
      void Promise.resolve()
        .then(() => fn(params))
        .catch((err) => showError(messageOf(err)));
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    "call.action": guard((action) => softphone.act(action)),
    "history.redial": guard(async (p) => {
      const entry = (await softphone.recentCalls(500)).find((e) => e.id === str(p?.entryId));
      if (!entry) throw new Error("that history entry no longer exists");
      return softphone.redial(entry);
    }),
    "history.clear": guard(() => vscode.commands.executeCommand("softphone.clearHistory")),
    "callWindow.open": guard(() => softphone.showCallWindow()),
    "call.transferPick": guard((p) => vscode.commands.executeCommand("softphone.transfer", str(p?.callId))),
    "account.actions": guard((p) => vscode.commands.executeCommand("softphone.accountActions", str(p?.accountId))),
    "account.add": guard(() => vscode.commands.executeCommand("softphone.addAccount")),
    "messages.new": guard((p) => vscode.commands.executeCommand("softphone.sendMessage", str(p?.to))),
    "contact.add": guard(() => vscode.commands.executeCommand("softphone.addContact")),
    "contact.edit": guard(async (p) => {
      const address = str(p?.address);
      if (!address) return;
      const contact = softphone.contacts.find((c) => c.address === address);
      if (!contact) throw new Error("that contact is gone");
      const pick = await vscode.window.showQuickPick(["Edit…", "Remove"], { title: `Softphone: ${safeUiText(contact.name, 64)}` });
      if (pick === "Edit…") return vscode.commands.executeCommand("softphone.editContact", address);
      if (pick === "Remove") {
        const sure = await vscode.window.showWarningMessage(`Softphone: remove ${safeUiText(contact.name, 64)} from your contacts?`, { modal: true }, "Remove");
        if (sure === "Remove") return vscode.commands.executeCommand("softphone.removeContact", address);
      }
    }),
    "messages.retry": guard((p) => softphone.messages.retry(String(str(p?.id)))),
    "messages.typing": guard((p) => {
      const accountId = str(p?.accountId);
      const peer = str(p?.peer);
      if (accountId && peer) softphone.messages.typing(accountId, peer);
    }),
    "messages.read": guard((p) => {
      const accountId = str(p?.accountId);
      const peer = str(p?.peer);
      if (accountId && peer) return softphone.messages.markRead(accountId, peer);
    }),
    "room.join": guard(async (p) => {
      const roomId = typeof p?.roomId === "number" ? p.roomId : undefined;
      if (roomId === undefined) return vscode.commands.executeCommand("softphone.joinRoom");
      const room = (await softphone.rooms.list()).find((r) => r.id === roomId);
      if (!room) throw new Error(`room ${roomId} is not on the server any more`);
      let pin: string | undefined;
      if (room.pinRequired) {
        pin = await vscode.window.showInputBox({ title: `Softphone: Join "${safeUiText(room.subject, 128)}"`, prompt: "The room's PIN", password: true });
        if (pin === undefined) return undefined;
      }
      return vscode.commands.executeCommand("softphone.joinRoom", roomId, { pin });
    }),
    "room.create": guard(() => vscode.commands.executeCommand("softphone.createRoom")),
    "room.action": guard((p) => softphone.roomAct(p)),
    "room.chatSeen": guard(() => softphone.rooms.markChatRead()),
    "link.open": guard((p) => {
      const url = safeLink(str(p?.url));
      if (!url) throw new Error("only plain http(s) links are opened");
      return vscode.env.openExternal(vscode.Uri.parse(url, true));
    }),
  };
}
