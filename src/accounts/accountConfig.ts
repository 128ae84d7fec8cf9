// Validates the `softphone.accounts` setting. Settings are hand-edited JSON, so anything can be in
// there: every problem becomes one sentence naming the exact setting path, a broken account is
// left out while the others keep working, and nothing secret is ever copied or echoed back.
import { isSupportedCountry } from "libphonenumber-js";
import { parseSipUri } from "../sip/sipUri";
import type { AutoAnswerMode } from "../calls/autoAnswer";
import { quoteForMessage } from "../util/text";

/**
 * How phone numbers typed for this account are completed and written (see calls/dialString.ts
 * for the rules). Every field is optional; values are stored trimmed, the country upper-cased.
 */
export interface DialPlan {
  /** ISO 3166 alpha-2 country the account dials from, e.g. "DE": national and local numbers are read in it. */
  countryCode?: string;
  /** Digits the PBX wants before every number that leaves it (an outside line), e.g. "0". */
  outboundPrefix?: string;
  /** Digits that start an international number when typed, e.g. "00"; defaults to the country's. */
  internationalPrefix?: string;
  /** Area code (without the trunk prefix) completing local numbers typed without one, e.g. "30". */
  areaCode?: string;
}

export interface AccountConfig {
  id: string;
  label: string;
  /** WebSocket URL of the SIP server (ws:// or wss://), as written in the setting. */
  server: string;
  /** The account's address of record, e.g. sip:alice@example.com. */
  uri: string;
  authorizationUsername?: string;
  displayName?: string;
  iceServers?: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  register: boolean;
  /**
   * Where "transfer to voicemail" sends a call: a SIP URI, or a pattern with `{user}` (the
   * target's user) and `{domain}` (this account's domain), e.g. sip:vm-{user}@{domain}.
   */
  voicemail?: string;
  /** Completes and writes phone numbers typed for this account; without it they are dialled as typed. */
  dialPlan?: DialPlan;
  /**
   * Answer incoming calls without the user: "always" (every call that arrives while no other is
   * in progress) or "hinted" (only calls whose INVITE asks to be, see calls/autoAnswer.ts).
   * Absent: off, and callers' hints are ignored.
   */
  autoAnswer?: AutoAnswerMode;
  /** Seconds an "always" call rings before it is answered (a caller's hint wins). Default 0. */
  autoAnswerDelaySeconds?: number;
  /**
   * Calls to this account are phone callers dialling into an audio room (rooms/dialIn): answered
   * by the extension with plain RTP, which asks for the room's 6-digit number; they never ring.
   */
  roomDialIn?: boolean;
}

export interface ParsedAccounts {
  accounts: AccountConfig[];
  errors: string[];
}

const SETTING = "softphone.accounts";
const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const ICE_SCHEMES = ["stun:", "turn:", "turns:"];
/** Dial-plan prefixes and area codes: a few digits (longer ones are surely a mistake). */
const DIGITS = /^[0-9]{1,8}$/;
const AUTO_ANSWER_MODES = ["off", "always", "hinted", ""];

type IceServer = NonNullable<AccountConfig["iceServers"]>[number];
type Json = Record<string, unknown>;

export function parseAccounts(raw: unknown): ParsedAccounts {
  // Absent means "not configured yet" (VS Code hands us undefined when the setting has no value
  // anywhere): no accounts, but nothing to complain about either.
  if (raw === undefined) return { accounts: [], errors: [] };
  if (!Array.isArray(raw)) return { accounts: [], errors: [`${SETTING}: expected a list of accounts ([...]), got ${describeType(raw)}.`] };

  const accounts: AccountConfig[] = [];
  const errors: string[] = [];
  /** id → setting path of the first account that used it. */
  const firstUse = new Map<string, string>();
  // Index loops rather than forEach, which would silently skip holes in a sparse array.
  for (let index = 0; index < raw.length; index++) {
    const item: unknown = raw[index];
    const path = `${SETTING}[${index}]`;
    const accountErrors: string[] = [];
    const account = parseAccount(item, path, accountErrors, errors);
    // Ids are claimed in order even by accounts that are invalid for other reasons: which of two
    // same-id entries counts as "the duplicate" must not depend on whether the other is valid.
    const id = idOf(item);
    if (id !== undefined) {
      const earlier = firstUse.get(id);
      if (earlier !== undefined) accountErrors.push(`${path}.id: ${quote(id)} is already used by ${earlier}; account ids must be unique.`);
      else firstUse.set(id, path);
    }
    errors.push(...accountErrors);
    if (account && accountErrors.length === 0) accounts.push(account);
  }
  return { accounts, errors };
}

/**
 * Collects the problems that disqualify the account into `accountErrors` and advisories (which
 * don't) into `advisories`; returns the account when every field it needs could be read.
 */
function parseAccount(item: unknown, path: string, accountErrors: string[], advisories: string[]): AccountConfig | undefined {
  if (!isObject(item)) {
    accountErrors.push(`${path}: expected an account object ({...}), got ${describeType(item)}.`);
    return undefined;
  }
  // Deliberately never read: only its presence matters, and its value must not leak into errors.
  if (has(item, "password")) {
    advisories.push(`${path}.password: passwords don't belong in settings, where they are stored in plain text; remove it and use the "Softphone: Set Password" command, which keeps it in VS Code's SecretStorage.`);
  }

  const id = requiredString(item, "id", path, accountErrors);
  if (id !== undefined && !ID_PATTERN.test(id)) {
    accountErrors.push(`${path}.id: ${quote(id)} must be 1-64 characters from A-Z, a-z, 0-9, ".", "_" and "-".`);
  }
  const server = requiredString(item, "server", path, accountErrors);
  if (server !== undefined) checkServer(server, `${path}.server`, accountErrors);
  const uri = requiredString(item, "uri", path, accountErrors);
  if (uri !== undefined && !isSipAddressOfRecord(uri)) {
    accountErrors.push(`${path}.uri: ${quote(uri)} is not a sip: or sips: URI with a user and a host, such as sip:alice@example.com.`);
  }
  const label = optionalString(item, "label", path, accountErrors);
  const authorizationUsername = optionalString(item, "authorizationUsername", path, accountErrors);
  const displayName = optionalString(item, "displayName", path, accountErrors);
  const register = optionalBoolean(item, "register", path, accountErrors);
  const iceServers = has(item, "iceServers") && item.iceServers !== undefined ? parseIceServers(item.iceServers, `${path}.iceServers`, accountErrors) : undefined;
  const voicemail = optionalString(item, "voicemail", path, accountErrors);
  if (voicemail !== undefined && voicemail !== "" && !isSipAddressOfRecord(voicemail.replace(/\{user\}/g, "user").replace(/\{domain\}/g, "example.com"))) {
    accountErrors.push(`${path}.voicemail: ${quote(voicemail)} is not a sip: URI or a pattern such as sip:vm-{user}@{domain}.`);
  }
  const dialPlan = has(item, "dialPlan") && item.dialPlan !== undefined ? parseDialPlan(item.dialPlan, `${path}.dialPlan`, accountErrors) : undefined;
  const autoAnswer = optionalString(item, "autoAnswer", path, accountErrors)?.trim();
  if (autoAnswer !== undefined && !AUTO_ANSWER_MODES.includes(autoAnswer)) {
    accountErrors.push(`${path}.autoAnswer: ${quote(autoAnswer)} must be "off", "always" or "hinted" (only calls that ask to be answered).`);
  }
  const autoAnswerDelay = optionalNumber(item, "autoAnswerDelaySeconds", path, accountErrors);
  if (autoAnswerDelay !== undefined && !(Number.isInteger(autoAnswerDelay) && autoAnswerDelay >= 0 && autoAnswerDelay <= 60)) {
    accountErrors.push(`${path}.autoAnswerDelaySeconds: ${autoAnswerDelay} must be a whole number of seconds from 0 to 60.`);
  }

  const roomDialIn = optionalBoolean(item, "roomDialIn", path, accountErrors);

  if (id === undefined || server === undefined || uri === undefined) return undefined;
  const account: AccountConfig = {
    id,
    // Settings UIs leave "" behind when a field is cleared; treat that as "not set".
    label: label !== undefined && label.trim() !== "" ? label.trim() : id,
    server,
    uri,
    register: register ?? true,
  };
  if (authorizationUsername !== undefined && authorizationUsername !== "") account.authorizationUsername = authorizationUsername;
  if (displayName !== undefined && displayName.trim() !== "") account.displayName = displayName.trim();
  if (iceServers !== undefined) account.iceServers = iceServers;
  if (voicemail !== undefined && voicemail.trim() !== "") account.voicemail = voicemail.trim();
  if (dialPlan !== undefined && Object.keys(dialPlan).length > 0) account.dialPlan = dialPlan;
  if (autoAnswer === "always" || autoAnswer === "hinted") account.autoAnswer = autoAnswer;
  if (autoAnswerDelay !== undefined) account.autoAnswerDelaySeconds = autoAnswerDelay;
  if (roomDialIn) account.roomDialIn = true;
  return account;
}

function parseDialPlan(value: unknown, path: string, errors: string[]): DialPlan | undefined {
  if (!isObject(value)) {
    errors.push(`${path}: expected a dial plan object ({ "countryCode": "DE", ... }), got ${describeType(value)}.`);
    return undefined;
  }
  const before = errors.length;
  const plan: DialPlan = {};
  // Settings UIs leave "" behind when a field is cleared; treat that as "not set".
  const field = (name: keyof DialPlan): string | undefined => {
    const text = optionalString(value, name, path, errors)?.trim();
    return text === "" ? undefined : text;
  };
  const countryCode = field("countryCode");
  if (countryCode !== undefined) {
    if (/^[A-Za-z]{2}$/.test(countryCode) && isSupportedCountry(countryCode.toUpperCase())) plan.countryCode = countryCode.toUpperCase();
    else errors.push(`${path}.countryCode: ${quote(countryCode)} is not a two-letter country code (ISO 3166) the phone-number library knows, such as "DE" or "US".`);
  }
  const digits = (name: "outboundPrefix" | "internationalPrefix" | "areaCode", example: string): void => {
    const text = field(name);
    if (text === undefined) return;
    if (DIGITS.test(text)) plan[name] = text;
    else errors.push(`${path}.${name}: ${quote(text)} must be 1-8 digits (0-9, no spaces or "+"), such as ${quote(example)}.`);
  };
  digits("outboundPrefix", "0");
  digits("internationalPrefix", "00");
  digits("areaCode", "30");
  // Both only mean something in a country: a local number is local to a country's area code, and
  // the outside-line digits go before numbers written the way they are dialled from the country.
  if (plan.countryCode === undefined && countryCode === undefined) {
    if (plan.areaCode !== undefined) errors.push(`${path}.areaCode: needs ${path}.countryCode (the country the area code belongs to).`);
    if (plan.outboundPrefix !== undefined) errors.push(`${path}.outboundPrefix: needs ${path}.countryCode (numbers after the prefix are written as dialled from that country).`);
  }
  return errors.length === before ? plan : undefined;
}

function parseIceServers(value: unknown, path: string, errors: string[]): IceServer[] | undefined {
  if (!Array.isArray(value)) {
    errors.push(`${path}: expected a list of ICE servers ([...]), got ${describeType(value)}.`);
    return undefined;
  }
  const servers: IceServer[] = [];
  for (let index = 0; index < value.length; index++) {
    const entry: unknown = value[index];
    const entryPath = `${path}[${index}]`;
    if (!isObject(entry)) {
      errors.push(`${entryPath}: expected an ICE server object ({ "urls": ... }), got ${describeType(entry)}.`);
      continue;
    }
    const urls = parseIceUrls(has(entry, "urls") ? entry.urls : undefined, `${entryPath}.urls`, errors);
    const username = optionalString(entry, "username", entryPath, errors);
    const credential = optionalString(entry, "credential", entryPath, errors);
    if (urls === undefined) continue;
    const server: IceServer = { urls };
    if (username !== undefined) server.username = username;
    if (credential !== undefined) server.credential = credential;
    servers.push(server);
  }
  return servers;
}

function parseIceUrls(value: unknown, path: string, errors: string[]): string | string[] | undefined {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    errors.push(`${path}: expected a stun:/turn:/turns: URL or a non-empty list of them, got ${describeType(value)}.`);
    return undefined;
  }
  let valid = true;
  for (let index = 0; index < list.length; index++) {
    const url: unknown = list[index];
    const urlPath = Array.isArray(value) ? `${path}[${index}]` : path;
    if (typeof url !== "string") {
      errors.push(`${urlPath}: expected a string, got ${describeType(url)}.`);
      valid = false;
    } else if (!ICE_SCHEMES.some((scheme) => url.toLowerCase().startsWith(scheme)) || url.length === url.indexOf(":") + 1) {
      errors.push(`${urlPath}: ${quote(url)} must start with stun:, turn: or turns: and name a server.`);
      valid = false;
    }
  }
  if (!valid) return undefined;
  return typeof value === "string" ? value : (list as string[]).slice();
}

/** host[:port] of a sip:/sips: URI, e.g. "example.com" or "10.0.0.1:5060"; "" when it isn't one. */
export function domainOf(uri: string): string {
  if (typeof uri !== "string" || !parseSipUri(uri.trim())) return "";
  const text = uri.trim();
  // Taken from the text rather than sip.js's host, which a `maddr` parameter overwrites. Neither
  // parameters nor headers may contain an unescaped "@", so the first one ends the user part.
  const at = text.indexOf("@");
  return text.slice(at === -1 ? text.indexOf(":") + 1 : at + 1).split(/[;?]/)[0]!;
}

function checkServer(text: string, path: string, errors: string[]): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    errors.push(`${path}: ${quote(text)} is not a ws:// or wss:// URL.`);
    return;
  }
  if ((url.protocol !== "ws:" && url.protocol !== "wss:") || url.hostname === "") {
    errors.push(`${path}: ${quote(text)} is not a ws:// or wss:// URL.`);
  } else if (url.username !== "" || url.password !== "") {
    // Not quoted back: the part before "@" may well be a password.
    errors.push(`${path}: the server URL must not contain a user name or password; use the account's "authorizationUsername" and the "Softphone: Set Password" command.`);
  }
}

function isSipAddressOfRecord(text: string): boolean {
  const parsed = parseSipUri(text);
  return parsed !== undefined && typeof parsed.user === "string" && parsed.user !== "" && typeof parsed.host === "string" && parsed.host !== "";
}

function requiredString(item: Json, field: string, path: string, errors: string[]): string | undefined {
  if (!has(item, field) || item[field] === undefined || item[field] === null) {
    errors.push(`${path}.${field}: is required.`);
    return undefined;
  }
  const value = item[field];
  if (typeof value !== "string") {
    errors.push(`${path}.${field}: expected a string, got ${describeType(value)}.`);
    return undefined;
  }
  if (value.trim() === "") {
    errors.push(`${path}.${field}: is required but empty.`);
    return undefined;
  }
  return value.trim();
}

function optionalString(item: Json, field: string, path: string, errors: string[]): string | undefined {
  if (!has(item, field) || item[field] === undefined) return undefined;
  const value = item[field];
  if (typeof value === "string") return value;
  errors.push(`${path}.${field}: expected a string, got ${describeType(value)}.`);
  return undefined;
}

function optionalNumber(item: Json, field: string, path: string, errors: string[]): number | undefined {
  if (!has(item, field) || item[field] === undefined) return undefined;
  const value = item[field];
  if (typeof value === "number" && Number.isFinite(value)) return value;
  errors.push(`${path}.${field}: expected a number, got ${describeType(value)}.`);
  return undefined;
}

function optionalBoolean(item: Json, field: string, path: string, errors: string[]): boolean | undefined {
  if (!has(item, field) || item[field] === undefined) return undefined;
  const value = item[field];
  if (typeof value === "boolean") return value;
  errors.push(`${path}.${field}: expected true or false, got ${describeType(value)}.`);
  return undefined;
}

/** The id to check for duplicates even when the account is rejected for another reason. */
function idOf(item: unknown): string | undefined {
  if (!isObject(item) || !has(item, "id") || typeof item.id !== "string") return undefined;
  const id = item.id.trim();
  return ID_PATTERN.test(id) ? id : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Own properties only: a polluted Object.prototype must not supply settings. */
function has(item: Json, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(item, field);
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the text ${quote(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  if (typeof value === "object") return "an object";
  return typeof value;
}

const quote = (text: string) => quoteForMessage(text);
