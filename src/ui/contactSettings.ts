// Contacts live in the setting softphone.contacts (user settings, so they follow the user across
// workspaces): read and checked here, and written back when the user saves one.
import * as vscode from "vscode";
import { parseContacts, rawWithContact, rawWithoutContact, type Contact, type ParsedContacts } from "../contacts/contactList";

const SECTION = "softphone";

export function readContacts(): ParsedContacts {
  return parseContacts(vscode.workspace.getConfiguration(SECTION).get<unknown>("contacts", []));
}

const rawContacts = (): unknown => vscode.workspace.getConfiguration(SECTION).get<unknown>("contacts", []);

/**
 * Adds the contact (or replaces the one with its address, or with `replacing` when the address
 * changes) in the user's settings; entries it cannot read stay as the user wrote them.
 */
export async function saveContact(contact: Contact, replacing?: string): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update("contacts", rawWithContact(rawContacts(), contact, replacing), vscode.ConfigurationTarget.Global);
}

/** Removes the contact with this address from the user's settings. */
export async function removeContact(address: string): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update("contacts", rawWithoutContact(rawContacts(), address), vscode.ConfigurationTarget.Global);
}
