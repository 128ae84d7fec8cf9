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
//
// With the account's dial plan (ctx.dialPlan, see withDialPlan) phone numbers are completed to
// E.164 first, so that a number reaches the same phone however it was typed.
import type { DialPlan } from "../accounts/accountConfig";
import { parseSipUri } from "../sip/sipUri";
import { quoteForMessage } from "../util/text";
import { getCountryCallingCode, isSupportedCountry, parseIncompletePhoneNumber, parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type PhoneNumber } from "libphonenumber-js";

export type DialTarget = { kind: "sip" | "user" | "number"; uri: string; display: string };
export type DialParse = { ok: true; target: DialTarget } | { ok: false; error: string };
export type DialContext = { domain: string; dialPlan?: DialPlan };

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

export function parseDialString(input: string, ctx: DialContext): DialParse {
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

function fromUserName(name: string, ctx: DialContext): DialParse {
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
// With a dial plan the number is completed like a typed one: tel:+49-30-123456 → sip:+4930123456@domain.
function fromTelUri(rest: string, ctx: DialContext): DialParse {
  if (LETTER.test(rest) || rest.includes(";")) return fail(`${quote("tel:" + rest)} has parts other than a number; only plain numbers such as tel:+15550100 can be dialled.`);
  return fromNumber(rest, ctx);
}

function fromNumber(text: string, ctx: DialContext): DialParse {
  const bad = [...text].find((c) => !NUMBER_CHAR.test(c));
  if (bad !== undefined) return fail(`${quote(bad)} can't appear in a phone number.`);
  if (text.lastIndexOf("+") > 0) return fail(`A "+" can only come first in a number, as in +44 20 7946 0000.`);
  if (!DIGIT.test(text)) return fail(`${quote(text)} has no digits to dial.`);
  // libphonenumber drops "*" and "#", which feature codes (*97, #31#) need, so those only lose separators.
  if (/[*#]/.test(text)) {
    const code = text.replace(NUMBER_SEPARATORS, "");
    // "#" is not allowed unescaped in a SIP user part; "*" is.
    return onDefaultDomain(code.replace(/#/g, "%23"), code, "number", ctx);
  }
  const number = parseIncompletePhoneNumber(text);
  const plan = ctx?.dialPlan;
  if (typeof plan === "object" && plan !== null) {
    const planned = withDialPlan(text, number, plan);
    if ("error" in planned) return fail(planned.error);
    return onDefaultDomain(planned.user, planned.display, "number", ctx);
  }
  return onDefaultDomain(number, number, "number", ctx);
}

/**
 * Numbers of at most this many digits (without "+") are internal extensions ("201", "0" for the
 * operator, emergency "112"): dialled as typed, never completed into a national number.
 */
export const MAX_EXTENSION_DIGITS = 5;

type Planned = { user: string; display: string } | { error: string };

/**
 * A phone number (only digits, after an optional "+") completed with the account's dial plan:
 *
 *   "+49 30 123456"                  → +4930123456   "+": already international
 *   "0049 30 123456"                 → +4930123456   the international prefix (dialPlan.internationalPrefix,
 *                                                    else the country's own, e.g. 00 in DE, 011 in US)
 *   "030 123456"                     → +4930123456   national, with the country's trunk prefix
 *   "123456" (areaCode "30")         → +4930123456   local: the area code is put in front
 *   "2125550100" (US, no trunk "1")  → +12125550100  a national number when the area code doesn't fit
 *   "201", "0", "112"                → as typed      extensions: at most MAX_EXTENSION_DIGITS digits
 *
 * National and local numbers need dialPlan.countryCode; without it they are dialled as typed. An
 * unprefixed number is tried as areaCode + number first (when an area code is set), then as a
 * national number on its own; the first with a length the country's numbers have wins. Without
 * an area code, "123456" in DE is therefore read as the national number +49123456: set the area
 * code to dial local numbers. Only lengths are checked (libphonenumber's "min" metadata), so new
 * number ranges still go through; a number with no possible length is an error naming the reading.
 *
 * The result is written as the PBX expects: by default the E.164 form with "+", e.g.
 * sip:+4930123456@domain. With dialPlan.outboundPrefix (the PBX wants an outside-line digit) the
 * number is instead written as it is dialled from dialPlan.countryCode, after that prefix:
 * "0" + "030123456" for a national number, "0" + "0044…" (the international prefix) for a foreign
 * one. A "+" after digits is not dialable, so the prefix never goes in front of the E.164 form.
 * People don't type the outside-line prefix themselves: it would be ambiguous with the
 * international prefix ("0030…" is Greece in DE). Extensions and feature codes stay inside the
 * PBX and never get it. The display is the E.164 form in every case.
 */
function withDialPlan(text: string, number: string, plan: DialPlan): Planned {
  const country = typeof plan.countryCode === "string" && isSupportedCountry(plan.countryCode.toUpperCase()) ? (plan.countryCode.toUpperCase() as CountryCode) : undefined;
  const digitsOf = (value: unknown) => (typeof value === "string" && /^[0-9]+$/.test(value) ? value : undefined);
  const internationalPrefix = digitsOf(plan.internationalPrefix);
  const areaCode = digitsOf(plan.areaCode);
  const outboundPrefix = digitsOf(plan.outboundPrefix);
  const asTyped = { user: number, display: number };

  let parsed: { phone: PhoneNumber } | { error: string };
  if (number.startsWith("+")) parsed = international(text, number);
  else if (number.length <= MAX_EXTENSION_DIGITS) return asTyped;
  else if (internationalPrefix !== undefined && number.startsWith(internationalPrefix)) parsed = international(text, "+" + number.slice(internationalPrefix.length));
  else if (country === undefined) return asTyped;
  else parsed = national(text, number, country, areaCode);
  if ("error" in parsed) return parsed;

  const phone = parsed.phone;
  if (outboundPrefix === undefined || country === undefined) return { user: phone.number, display: phone.number };
  const ownCountry = phone.countryCallingCode === getCountryCallingCode(country);
  // libphonenumber's "IDD" format is the number as dialled from `country`: national form for its
  // own numbers (with the trunk prefix), the country's international prefix for the others.
  const dialled = !ownCountry && internationalPrefix !== undefined ? internationalPrefix + phone.number.slice(1) : digitsOnly(phone.format("IDD", { fromCountry: country }));
  if (dialled === "") return { error: `Can't write ${quote(phone.number)} as dialled from ${countryName(country)}; set the dial plan's internationalPrefix.` };
  return { user: outboundPrefix + dialled, display: phone.number };
}

function international(text: string, e164: string): { phone: PhoneNumber } | { error: string } {
  const problem = validatePhoneNumberLength(e164);
  const phone = problem === undefined ? parsePhoneNumberFromString(e164) : undefined;
  if (!phone) return { error: `${quote(text)} ${lengthProblem(problem)} (read as ${e164}).` };
  return { phone };
}

function national(text: string, number: string, country: CountryCode, areaCode: string | undefined): { phone: PhoneNumber } | { error: string } {
  const plain = parsePhoneNumberFromString(number, country);
  // libphonenumber strips a trunk prefix (0 in DE, 1 in US) or the country's international prefix
  // while parsing: when nothing was stripped, the number was typed without either.
  const prefixed = plain !== undefined && plain.nationalNumber !== number;
  const readings = prefixed || areaCode === undefined ? [number] : [areaCode + number, number];
  let first: string | undefined;
  for (const reading of readings) {
    const problem = validatePhoneNumberLength(reading, country);
    const phone = problem === undefined ? parsePhoneNumberFromString(reading, country) : undefined;
    if (phone) return { phone };
    const shown = reading !== number ? `${areaCode} ${number}` : prefixed ? plain.number : number;
    first ??= `${quote(text)} ${lengthProblem(problem)} in ${countryName(country)} (read as ${shown}).`;
  }
  return { error: first! };
}

function lengthProblem(problem: string | undefined): string {
  switch (problem) {
    case "INVALID_COUNTRY":
      return "doesn't start with a country code that exists";
    case "TOO_SHORT":
      return "is too short for a phone number";
    case "TOO_LONG":
      return "is too long for a phone number";
    case "INVALID_LENGTH":
      return "has a length no phone number has";
    default:
      return "is not a phone number";
  }
}

function countryName(country: CountryCode): string {
  try {
    return new Intl.DisplayNames(["en"], { type: "region" }).of(country) ?? country;
  } catch {
    return country;
  }
}

const digitsOnly = (text: string | undefined) => (typeof text === "string" ? text.replace(/[^0-9]/g, "") : "");

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
