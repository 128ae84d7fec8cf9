// 1:1 messages in VS Code: `softphone.sendMessage(target, text, { accountId? })` for scripts and
// the palette (asks whom and what when called without them), a notification for a message that
// arrives while the sidebar is not on screen, and the unread count on the view's badge (with the
// room chat's). Texts from outside pass the one sanitiser before any notification shows them.
import * as vscode from "vscode";
import { safeUiText } from "../calls/remoteParty";
import { MAX_MESSAGE_TEXT } from "../messages/messageService";
import type { Phone, PhoneAlerts } from "../phone/phone";
import { MAX_CONTACT_NAME, parseContacts, savedContact, type Contact } from "../contacts/contactList";
import { readContacts, removeContact, saveContact } from "./contactSettings";
import { contactItems } from "./contactItems";

interface Deps {
  softphone: Phone;
  /** A message for this window to announce (the phone routes each to one window). */
  alerts: Pick<PhoneAlerts, "onMessage">;
  guarded: <A extends unknown[], R>(fn: (...args: A) => Promise<R> | R) => (...args: A) => Promise<R>;
  /** Whether the sidebar is on screen (then it shows the message itself). */
  sidebarVisible(): boolean;
  showUnread(count: number): void;
}

/** At most one notification per sender this often: a flood of messages is not a flood of toasts. */
const NOTIFY_EVERY_MS = 5000;

export function registerMessageCommands({ softphone, alerts, guarded, sidebarVisible, showUnread }: Deps): vscode.Disposable[] {
  const pickContact = async (title: string): Promise<Contact | undefined> => {
    const pick = await vscode.window.showQuickPick(contactItems(softphone.contacts, (a) => softphone.presence.lampOf(a)), { title, placeHolder: softphone.contacts.length ? "Which contact?" : "No contacts yet" });
    return pick ? exactContact(pick.target) : undefined;
  };
  /** The contact saved under exactly this address, as the settings say now (not as last read). */
  const exactContact = (address: string): Contact | undefined => savedContact(readContacts().contacts, address);
  const messages = softphone.messages;
  const lastNotified = new Map<string, number>();

  // The badge counts again at most every 100 ms: a burst of messages is one recount, not hundreds.
  let badgeQueued = false;
  const updateBadge = () => {
    if (badgeQueued) return;
    badgeQueued = true;
    setTimeout(async () => {
      badgeQueued = false;
      const unread = (await messages.conversations().catch(() => [])).reduce((n, c) => n + c.unread, 0);
      showUnread(unread + (softphone.rooms.view()?.chat.unread ?? 0));
    }, 100);
  };

  return [
    vscode.commands.registerCommand(
      "softphone.sendMessage",
      guarded(async (target?: unknown, text?: unknown, options?: { accountId?: string }) => {
        const to =
          typeof target === "string"
            ? target
            : await vscode.window.showInputBox({ title: "Softphone: New Message", prompt: "To: a number, a user name or a sip: address", ignoreFocusOut: true });
        if (!to) return undefined;
        const body =
          typeof text === "string"
            ? text
            : await vscode.window.showInputBox({
                title: `Softphone: Message to ${safeUiText(to, 80)}`,
                ignoreFocusOut: true,
                validateInput: (v) => (!v.trim() ? "type a message" : v.length > MAX_MESSAGE_TEXT ? `${v.length} characters; at most ${MAX_MESSAGE_TEXT}` : undefined),
              });
        if (body === undefined) return undefined;
        return messages.send(to, body, options?.accountId);
      }),
    ),
    // A contact: (name, address, suggested name) — what is not given is asked; saved in the user's settings.
    vscode.commands.registerCommand(
      "softphone.addContact",
      guarded(async (name?: unknown, address?: unknown, suggestedName?: unknown) => {
        const where =
          typeof address === "string" && address.trim()
            ? address.trim()
            : await vscode.window.showInputBox({ title: "Softphone: Add Contact", prompt: "Address: a number, a user name or a sip: address", ignoreFocusOut: true });
        if (!where) return undefined;
        const who =
          typeof name === "string" && name.trim()
            ? name.trim()
            : await vscode.window.showInputBox({
                title: "Softphone: Add Contact",
                prompt: `Name for ${safeUiText(where, 80)}`,
                value: typeof suggestedName === "string" ? safeUiText(suggestedName, MAX_CONTACT_NAME) : "",
                ignoreFocusOut: true,
                validateInput: (v) => (v.trim() && v.trim().length <= MAX_CONTACT_NAME ? undefined : `1 to ${MAX_CONTACT_NAME} characters`),
              });
        if (!who) return undefined;
        const problems = parseContacts([{ name: who, address: where }]).errors;
        if (problems.length) throw new Error(problems[0].replace(/^softphone\.contacts\[0\]/, "contact"));
        await saveContact({ name: who.trim(), address: where });
        return { name: who.trim(), address: where };
      }),
    ),
    // A contact's actions (the sidebar's "…" on a contact): call, video, message, edit, remove.
    vscode.commands.registerCommand(
      "softphone.editContact",
      guarded(async (address?: unknown, changes?: { name?: string; address?: string; group?: string }) => {
        const contact = typeof address === "string" ? exactContact(address) : await pickContact("Softphone: Edit Contact");
        if (!contact) throw new Error(typeof address === "string" ? `no contact with the address "${safeUiText(address, 80)}"` : "no contact picked");
        let next: Contact;
        if (changes && typeof changes === "object") {
          next = { name: changes.name ?? contact.name, address: changes.address ?? contact.address, ...((changes.group ?? contact.group) ? { group: changes.group ?? contact.group } : {}) };
        } else {
          const name = await vscode.window.showInputBox({ title: "Softphone: Edit Contact", prompt: "Name", value: contact.name, ignoreFocusOut: true });
          if (name === undefined) return undefined;
          const where = await vscode.window.showInputBox({ title: "Softphone: Edit Contact", prompt: "Address: a number, a user name or a sip: address", value: contact.address, ignoreFocusOut: true });
          if (where === undefined) return undefined;
          const group = await vscode.window.showInputBox({ title: "Softphone: Edit Contact", prompt: "Group (optional)", value: contact.group ?? "", ignoreFocusOut: true });
          if (group === undefined) return undefined;
          next = { name: name.trim(), address: where.trim(), ...(group.trim() ? { group: group.trim() } : {}) };
        }
        const problems = parseContacts([next]).errors;
        if (problems.length) throw new Error(problems[0].replace(/^softphone\.contacts\[0\]/, "contact"));
        await saveContact(next, contact.address);
        return next;
      }),
    ),
    vscode.commands.registerCommand(
      "softphone.removeContact",
      guarded(async (address?: unknown) => {
        const contact = typeof address === "string" ? exactContact(address) : await pickContact("Softphone: Remove Contact");
        if (!contact) throw new Error(typeof address === "string" ? `no contact with the address "${safeUiText(address, 80)}"` : "no contact picked");
        if (typeof address !== "string") {
          const sure = await vscode.window.showWarningMessage(`Softphone: remove ${safeUiText(contact.name, MAX_CONTACT_NAME)} from your contacts?`, { modal: true }, "Remove");
          if (sure !== "Remove") return undefined;
        }
        await removeContact(contact.address);
        return contact.address;
      }),
    ),
    messages.onDidChange(updateBadge),
    softphone.rooms.onDidChange(updateBadge),
    alerts.onMessage((m) => {
      if (sidebarVisible()) return;
      const now = Date.now();
      const key = `${m.accountId} ${m.peer}`;
      if (now - (lastNotified.get(key) ?? 0) < NOTIFY_EVERY_MS) return;
      lastNotified.set(key, now);
      const from = safeUiText(m.peerName || m.peer, 80);
      void vscode.window.showInformationMessage(`Softphone: message from ${from}: ${safeUiText(m.text, 160)}`, "Open").then((pick) => {
        if (pick) void vscode.commands.executeCommand("softphone.sidebar.focus");
      });
    }),
  ];
}
