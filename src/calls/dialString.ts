// Turns whatever a person typed into the dial box into the SIP request URI to call, or into a
// sentence saying why it can't be dialled. Pure: no I/O, no vscode.
//
// Accepted forms (after trimming surrounding whitespace):
//   sip:alice@example.com, sips:…   → dialled as typed (scheme lower-cased), checked by sip.js's grammar
//   alice@example.com               → sip:alice@example.com
//   alice, alice.smith, sipp-busy   → sip:NAME@<default domain>
//   +44 20 7946 0000, (555) 123-4567, *97, #31#
//                                   → sip:NUMBER@<default domain>, formatting stripped
//   tel:+1-555-0100                 → treated as the number after "tel:" (see fromTelUri)
import { parseSipUri } from "../sip/sipUri";
import { quoteForMessage } from "../util/text";
import { parseIncompletePhoneNumber } from "libphonenumber-js";

export type DialTarget = { kind: "sip" | "user" | "number"; uri: string; display: string };
export type DialParse = { ok: true; target: DialTarget } | { ok: false; error: string };

/** Longer than any real address; stops pasted junk from reaching the SIP grammar. */
const MAX_LENGTH = 256;

// C0 controls, DEL and C1 controls: never part of an address, often a sign of pasted binary junk.
const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f]/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const LETTER = /\p{L}/u;
const DIGIT = /[0-9]/;
/** What may appear in a typed phone number: digits, visual separators, "+" and the feature-code keys. */
const NUMBER_CHAR = /[0-9\s\-.()+*#]/;
/** Visual separators people type inside numbers; they carry no meaning when dialling. */
const NUMBER_SEPARATORS = /[\s\-.()]/g;
/** RFC 3261 `user`: unreserved / escaped / user-unreserved. */
const USER_CHAR = /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/;
const USER_NAME = /^[A-Za-z](?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})*$/;

export function parseDialString(input: string, ctx: { domain: string }): DialParse {
  if (typeof input !== "string") return fail("Enter a number, a user name or a sip: address.");
  const text = input.trim();
  if (text === "") return fail("Nothing to dial: enter a number, a user name or a sip: address.");
  if (text.length > MAX_LENGTH) return fail(`That is too long to be an address (${text.length} characters; at most ${MAX_LENGTH}).`);
  if (CONTROL_CHAR.test(text)) return fail("The address contains control characters (invisible characters such as tabs or line breaks).");

  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === "sip" || scheme === "sips") {
    const uri = scheme + text.slice(scheme.length);
    return fromSipUri(uri, `${quote(uri)} is not a valid SIP address.`);
  }
  if (scheme === "tel") return fromTelUri(text.slice("tel:".length), ctx);
  if (scheme !== undefined) return fail(`"${scheme}:" addresses can't be dialled; use a sip:, sips: or tel: address, a user name or a number.`);

  // Quoting the text as typed: a message about "sip:…" would show a scheme the person never typed.
  if (text.includes("@")) return fromSipUri(`sip:${text}`, `${quote(text)} is not a valid user@host address.`);
  if (LETTER.test(text)) return LETTER.test(text[0]!) ? fromUserName(text, ctx) : lettersOutsideUserName(text);
  return fromNumber(text, ctx);
}

function fromSipUri(uri: string, invalidMessage: string): DialParse {
  const parsed = parseSipUri(uri);
  if (!parsed) return fail(invalidMessage);
  const colon = uri.indexOf(":");
  const at = uri.indexOf("@");
  // A password in the URI would be sent in clear in every request and stored in call history.
  if (at !== -1 && uri.slice(colon + 1, at).includes(":")) {
    return fail("Don't put a password in the address; the account's password is stored separately.");
  }
  if (parsed.port !== undefined && !(Number.isInteger(parsed.port) && parsed.port >= 1 && parsed.port <= 65535)) {
    return fail(`${quote(uri)} has an invalid port; ports are numbers from 1 to 65535.`);
  }
  // Taken from the text rather than sip.js's host, which `maddr` parameters overwrite. Neither
  // parameters nor headers may contain an unescaped "@", so the first one ends the user part.
  const hostPort = uri.slice(at === -1 ? colon + 1 : at + 1).split(/[;?]/)[0]!;
  const display = parsed.user ? `${parsed.user}@${hostPort}` : hostPort;
  return { ok: true, target: { kind: "sip", uri, display } };
}

function fromUserName(name: string, ctx: { domain: string }): DialParse {
  if (!USER_NAME.test(name)) {
    const bad = [...name].find((c) => !USER_CHAR.test(c) && c !== "%");
    if (bad !== undefined && /\s/.test(bad)) return fail("A user name can't contain spaces.");
    if (bad !== undefined) return fail(`${quote(bad)} isn't allowed in a user name.`);
    return fail(`${quote(name)} has a "%" that isn't followed by two hex digits.`);
  }
  return onDefaultDomain(name, name, "user", ctx);
}

/** Text with letters that doesn't start with one: most likely a vanity number such as 1-800-FLOWERS. */
function lettersOutsideUserName(text: string): DialParse {
  if (DIGIT.test(text) || text.startsWith("+") || text.startsWith("(")) {
    return fail(`${quote(text)} mixes letters into a phone number; dial digits only (for a user name starting with a digit, type user@host).`);
  }
  return fail(`${quote(text)} is not a number or a user name; user names start with a letter.`);
}

// RFC 3966 tel: URIs are accepted for convenience (people paste them from web pages and
// contact cards): the part after "tel:" must then be a plain number we accept anyway, so
// parameters such as ";ext=" or ";phone-context=" are refused rather than silently dropped.
function fromTelUri(rest: string, ctx: { domain: string }): DialParse {
  if (LETTER.test(rest) || rest.includes(";")) return fail(`${quote("tel:" + rest)} has parts other than a number; only plain numbers such as tel:+15550100 can be dialled.`);
  return fromNumber(rest, ctx);
}

function fromNumber(text: string, ctx: { domain: string }): DialParse {
  const bad = [...text].find((c) => !NUMBER_CHAR.test(c));
  if (bad !== undefined) return fail(`${quote(bad)} can't appear in a phone number.`);
  if (text.lastIndexOf("+") > 0) return fail(`A "+" can only come first in a number, as in +44 20 7946 0000.`);
  if (!DIGIT.test(text)) return fail(`${quote(text)} has no digits to dial.`);
  // libphonenumber drops "*" and "#", which feature codes (*97, #31#) need, so those only lose separators.
  const number = /[*#]/.test(text) ? text.replace(NUMBER_SEPARATORS, "") : parseIncompletePhoneNumber(text);
  // "#" is not allowed unescaped in a SIP user part; "*" and "+" are.
  return onDefaultDomain(number.replace(/#/g, "%23"), number, "number", ctx);
}

function onDefaultDomain(user: string, display: string, kind: DialTarget["kind"], ctx: { domain: string }): DialParse {
  const domain = typeof ctx?.domain === "string" ? ctx.domain.trim() : "";
  if (domain === "") return fail(`There is no default domain to dial ${quote(display)} on; type the full address (user@host).`);
  const uri = `sip:${user}@${domain}`;
  if (!parseSipUri(uri)) return fail(`Can't dial ${quote(display)}: the account's domain ${quote(domain)} is not a valid SIP host.`);
  return { ok: true, target: { kind, uri, display } };
}

const quote = (text: string) => quoteForMessage(text, 60);

function fail(error: string): DialParse {
  return { ok: false, error };
}
