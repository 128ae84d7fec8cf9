// Contacts in the dial and transfer pickers.
import type * as vscode from "vscode";
import { safeUiText } from "../calls/remoteParty";
import type { Contact } from "../contacts/contactList";

/** Contacts as picker items: the name (made safe), the address and group beside it. */
export function contactItems(contacts: readonly Contact[]): Array<vscode.QuickPickItem & { target: string }> {
  return contacts.map((c) => ({ label: `$(person) ${safeUiText(c.name, 64)}`, description: `${safeUiText(c.address, 80)}${c.group ? ` · ${safeUiText(c.group, 40)}` : ""}`, target: c.address }));
}
