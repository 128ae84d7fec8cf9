// Contacts live in the setting softphone.contacts (user settings, so they follow the user across
// workspaces): read and checked here, and written back when the user saves one.
import * as vscode from "vscode";
import { parseContacts, withContact, type Contact, type ParsedContacts } from "../contacts/contactList";

const SECTION = "softphone";

export function readContacts(): ParsedContacts {
  return parseContacts(vscode.workspace.getConfiguration(SECTION).get<unknown>("contacts", []));
}

/** Adds the contact (or replaces the one with its address) in the user's settings. */
export async function saveContact(contact: Contact): Promise<void> {
  const { contacts } = readContacts();
  await vscode.workspace.getConfiguration(SECTION).update("contacts", withContact(contacts, contact), vscode.ConfigurationTarget.Global);
}
