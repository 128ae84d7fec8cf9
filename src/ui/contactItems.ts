// Contacts in the dial and transfer pickers.
import type * as vscode from "vscode";
import { safeUiText } from "../calls/remoteParty";
import type { Contact } from "../contacts/contactList";
import { LAMP_LABELS, type Lamp } from "../protocol/presence";

const LAMP_ICONS: Record<Lamp, string> = { unknown: "person", offline: "circle-slash", idle: "pass-filled", ringing: "bell", busy: "call-outgoing", away: "clock", dnd: "circle-slash" };

/** Contacts as picker items: the name (made safe), their presence, the address and group beside it. */
export function contactItems(contacts: readonly Contact[], lampOf: (address: string) => Lamp = () => "unknown"): Array<vscode.QuickPickItem & { target: string }> {
  return contacts.map((c) => {
    const lamp = lampOf(c.address);
    const presence = lamp === "unknown" ? "" : ` · ${LAMP_LABELS[lamp]}`;
    return { label: `$(${LAMP_ICONS[lamp]}) ${safeUiText(c.name, 64)}`, description: `${safeUiText(c.address, 80)}${c.group ? ` · ${safeUiText(c.group, 40)}` : ""}${presence}`, target: c.address };
  });
}
