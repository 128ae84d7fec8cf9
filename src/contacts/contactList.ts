// Contacts as the setting softphone.contacts holds them: a name, an address (a sip:/sips: URI,
// a tel: URI, a number or a user name — anything the dial box takes) and an optional group.
// Checked like accounts: a broken entry is reported by its path and skipped; the rest work.
// No vscode import.
import { parseSipUri } from "../sip/sipUri";

export interface Contact {
  name: string;
  address: string;
  group?: string;
}

export const MAX_CONTACT_NAME = 64;
const MAX_ADDRESS = 256;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

export interface ParsedContacts {
  contacts: Contact[];
  errors: string[];
}

export function parseContacts(value: unknown, setting = "softphone.contacts"): ParsedContacts {
  if (value === undefined || value === null) return { contacts: [], errors: [] };
  if (!Array.isArray(value)) return { contacts: [], errors: [`${setting}: expected a list of contacts ([{ "name": …, "address": … }]).`] };
  const contacts: Contact[] = [];
  const errors: string[] = [];
  value.forEach((item, i) => {
    const path = `${setting}[${i}]`;
    const problem = contactProblem(item);
    if (problem) return void errors.push(`${path}${problem}`);
    const c = item as { name: string; address: string; group?: string };
    const contact: Contact = { name: c.name.trim(), address: c.address.trim() };
    if (typeof c.group === "string" && c.group.trim()) contact.group = c.group.trim();
    contacts.push(contact);
  });
  return { contacts, errors };
}

/** Why an entry is not a contact (a field path and the reason), or undefined. */
function contactProblem(item: unknown): string | undefined {
  if (!item || typeof item !== "object" || Array.isArray(item)) return ": expected a contact object ({ \"name\": …, \"address\": … }).";
  const c = item as Record<string, unknown>;
  if (typeof c.name !== "string" || !c.name.trim()) return ".name: a contact needs a name.";
  if (c.name.trim().length > MAX_CONTACT_NAME || CONTROL.test(c.name)) return `.name: at most ${MAX_CONTACT_NAME} characters, no control characters.`;
  if (typeof c.address !== "string" || !c.address.trim()) return ".address: a contact needs an address (a number, a user name or a sip: address).";
  const address = c.address.trim();
  if (address.length > MAX_ADDRESS || CONTROL.test(address)) return `.address: at most ${MAX_ADDRESS} characters, no control characters.`;
  if (/^sips?:/i.test(address) && !parseSipUri(address)) return `.address: "${address.slice(0, 60)}" is not a valid sip: address.`;
  if (c.group !== undefined && (typeof c.group !== "string" || c.group.length > MAX_CONTACT_NAME)) return `.group: text of at most ${MAX_CONTACT_NAME} characters.`;
  return undefined;
}

/** How addresses are compared when saving (as written, not parsed): trimmed, lower case. */
export function addressKey(address: string): string {
  return address.trim().toLowerCase();
}

/** The contact saved under exactly this address (compared by addressKey), if any. */
export function savedContact(list: readonly Contact[], address: string): Contact | undefined {
  const key = addressKey(address);
  return list.find((c) => addressKey(c.address) === key);
}

/** The list with `contact` added, or its entry of the same address replaced. */
export function withContact(list: readonly Contact[], contact: Contact): Contact[] {
  const key = addressKey(contact.address);
  return [...list.filter((c) => addressKey(c.address) !== key), contact].sort((a, b) => a.name.localeCompare(b.name));
}

/** The address an entry of the setting stands for (lower case), whatever else is wrong with it. */
const rawAddress = (item: unknown): string | undefined =>
  item && typeof item === "object" && typeof (item as { address?: unknown }).address === "string" ? addressKey((item as { address: string }).address) : undefined;

/**
 * The setting's raw list with `contact` added, or the entry of its address (`replacing`, when it
 * changes) replaced in place. Entries that cannot be read are kept as they are: saving one
 * contact never deletes what the user wrote, however broken.
 */
export function rawWithContact(raw: unknown, contact: Contact, replacing = contact.address): unknown[] {
  const list = Array.isArray(raw) ? [...raw] : [];
  const keys = new Set([addressKey(replacing), addressKey(contact.address)]);
  const at = list.findIndex((item) => keys.has(rawAddress(item) ?? ""));
  const entry = { name: contact.name, address: contact.address, ...(contact.group ? { group: contact.group } : {}) };
  const rest = list.filter((item, i) => i === at || !keys.has(rawAddress(item) ?? ""));
  if (at < 0) return [...rest, entry];
  return rest.map((item) => (keys.has(rawAddress(item) ?? "") ? entry : item));
}

/** The setting's raw list without the entry of `address` (others, readable or not, kept). */
export function rawWithoutContact(raw: unknown, address: string): unknown[] {
  const key = addressKey(address);
  return (Array.isArray(raw) ? raw : []).filter((item) => rawAddress(item) !== key);
}

/** The contact whose address is `address` (a sip: URI compared by user and host), if any. */
export function contactFor(list: readonly Contact[], address: string): Contact | undefined {
  const norm = (a: string) => a.toLowerCase().replace(/^sips?:/, "").replace(/[;?].*$/, "").replace(/:\d+$/, "");
  const wanted = norm(address);
  // A contact saved as a bare user or number matches that user at any host.
  return list.find((c) => {
    const n = norm(c.address);
    return n === wanted || (!n.includes("@") && n === wanted.split("@")[0]);
  });
}
