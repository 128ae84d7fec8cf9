// Display names and URIs come from the network and are attacker-controlled. Everything we show
// goes through here first: control and bidirectional-override characters removed (they can
// disguise a number), whitespace collapsed, length capped.
import type { RemoteParty } from "../protocol/model";

const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

export function cleanText(value: unknown, max = 64): string {
  if (typeof value !== "string") return "";
  const text = value.replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

export function remoteParty(uri: string, displayName?: string): RemoteParty {
  const name = cleanText(displayName);
  return name ? { uri: cleanText(uri, 256), displayName: name } : { uri: cleanText(uri, 256) };
}

/** How a person sees the other party: "Name <sip:x@y>" shortened to the useful part. */
export function partyLabel(party: RemoteParty): string {
  const user = party.uri.replace(/^sips?:/, "");
  return party.displayName ? `${party.displayName} (${user})` : user;
}

/**
 * VS Code notifications turn `[text](https:|command:|file:…)` into clickable links (and show
 * everything else literally, backslashes included), so a caller's name could plant a command
 * link. Breaking the `](` pair defeats that while the text still reads the same.
 */
export function neutralizeLinks(text: string): string {
  return text.replace(/\]\s*\(/g, "] (");
}

/** Notifications, quick picks and the status bar draw `$(name)` as an icon: keep just the name. */
export function withoutIconSyntax(text: string): string {
  return text.replace(/\$\(([^()]*)\)/g, "$1").replace(/\$\(/g, "$ (");
}

/**
 * The one sanitiser for text from outside — a caller's name, the far end's SDP quoted in a
 * browser error, anything the call window page says — on its way into a VS Code message, quick
 * pick or status bar item: no control or bidi characters, no links, no icons, bounded length.
 */
export function safeUiText(value: unknown, max = 300): string {
  return withoutIconSyntax(neutralizeLinks(cleanText(value, max)));
}
