// Display names and URIs come from the network and are attacker-controlled. Everything we show
// goes through here first: control and bidirectional-override characters removed (they can
// disguise a number), whitespace collapsed, length capped.
import { Grammar } from "sip.js";
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

/** Longer P-Asserted-Identity values are ignored rather than parsed (one identity is ~100 characters). */
const MAX_ASSERTED_IDENTITY = 1024;
const TEL_NAME_ADDR = /^(?:"((?:[^"\\]|\\.)*)"|([^"<]*?))\s*<(tel:[^<>\s"]+)>(?:\s*;.*)?$/i;
const TEL_ADDR_SPEC = /^tel:[^<>\s"]+$/i;
/** A tel: URI's number (RFC 3966: global "+…" or local digits, visual separators), then parameters. */
const TEL_NUMBER = /^tel:\+?[0-9A-Fa-f*#().-]*[0-9][0-9A-Fa-f*#().-]*(?:;[^;]+)*$/i;

/**
 * The identity in a P-Asserted-Identity header value (RFC 3325: one or two name-addr / addr-spec
 * separated by a comma, at most one sip:/sips: and one tel:), e.g.
 * `"Front Desk" <sip:+4930555111@pbx.example>, <tel:+4930555111>`. The sip:/sips: URI is
 * preferred, a tel: URI is used when it is the only one; the display name is the first one given
 * (quoted-pairs unescaped). Undefined when there is no header or nothing usable in it. The result
 * is as untrusted as the rest of the INVITE (only as good as the proxy that let it through): it
 * still goes through remoteParty().
 */
export function assertedIdentity(header: unknown): { uri: string; displayName?: string } | undefined {
  if (typeof header !== "string" || header.length > MAX_ASSERTED_IDENTITY) return undefined;
  const entries = splitOutsideQuotes(header).map(parseIdentity).filter((e) => e !== undefined);
  const chosen = entries.find((e) => /^sips?:/i.test(e.uri)) ?? entries[0];
  if (!chosen) return undefined;
  const displayName = chosen.displayName ?? entries.find((e) => e.displayName)?.displayName;
  return displayName ? { uri: chosen.uri, displayName } : { uri: chosen.uri };
}

/**
 * Who called, as remoteParty's arguments: the P-Asserted-Identity when the INVITE has a usable
 * one, else the From identity. When the asserted identity has no name, the From's name is kept:
 * it is what would be shown without the header, now next to the asserted number.
 */
export function callerIdentity(assertedHeader: unknown, fromUri: string, fromDisplayName?: string): [uri: string, displayName?: string] {
  const asserted = assertedIdentity(assertedHeader);
  if (!asserted) return [fromUri, fromDisplayName];
  return [asserted.uri, asserted.displayName ?? fromDisplayName];
}

function parseIdentity(entry: string): { uri: string; displayName?: string } | undefined {
  const text = entry.trim();
  const nameAddr = Grammar.nameAddrHeaderParse(text);
  if (nameAddr) return withName(nameAddr.uri.toString(), nameAddr.displayName);
  const addrSpec = /^sips?:/i.test(text) ? Grammar.URIParse(text) : undefined;
  if (addrSpec) return { uri: addrSpec.toString() };
  // sip.js's grammar has no tel: URIs: `["Name"] <tel:...>[;params]` or a bare `tel:...`.
  const tel = TEL_NAME_ADDR.exec(text);
  const telUri = tel ? tel[3]! : TEL_ADDR_SPEC.test(text) ? text : undefined;
  if (telUri !== undefined && TEL_NUMBER.test(telUri)) return withName("tel:" + telUri.slice(4), tel ? (tel[1] ?? tel[2]) : undefined);
  return undefined;
}

function withName(uri: string, displayName: string | undefined): { uri: string; displayName?: string } {
  const name = typeof displayName === "string" ? displayName.replace(/\\(.)/g, "$1").trim() : "";
  return name ? { uri, displayName: name } : { uri };
}

/** Splits at commas that are not inside a quoted string or <...>. */
function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "<") angle = true;
    else if (c === ">") angle = false;
    else if (c === "," && !angle) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
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
