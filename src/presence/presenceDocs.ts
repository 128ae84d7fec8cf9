// Presence documents: the PIDF we publish about ourselves (RFC 3863, with RPID activities of
// RFC 4480: on-the-phone, busy for do-not-disturb, away), and what a contact's PIDF and
// dialog-info (RFC 4235, the busy lamp the PBX publishes for every call it carries) say, folded
// into one lamp. XML is read with fast-xml-parser (namespace prefixes dropped, no entities
// expanded), never by pattern matching; anything unreadable counts as "we don't know". Notes are
// untrusted text: the UI neutralises them. No vscode import.
import { XMLParser } from "fast-xml-parser";

import type { Lamp, OwnPresence } from "../protocol/presence";

export type { Lamp, OwnPresence } from "../protocol/presence";

const ACTIVITY: Record<Exclude<OwnPresence, "available">, string> = { "on-the-phone": "on-the-phone", dnd: "busy", away: "away" };
const NOTE: Record<OwnPresence, string> = { available: "Available", "on-the-phone": "On the phone", dnd: "Do not disturb", away: "Away" };

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The PIDF document for our state (`entity`: our address of record). */
export function pidfFor(entity: string, state: OwnPresence): string {
  const activity = state === "available" ? "" : `<rpid:activities><rpid:${ACTIVITY[state]}/></rpid:activities>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${escapeXml(entity)}">`,
    '<tuple id="softphone"><status><basic>open</basic></status></tuple>',
    `<dm:person id="me">${activity}<dm:note>${NOTE[state]}</dm:note></dm:person>`,
    "</presence>",
  ].join("");
}

/** What a contact's PIDF says: open or closed, and what they do. */
export interface PidfState {
  open: boolean;
  activity?: "on-the-phone" | "busy" | "away";
  /** Their free text (untrusted). */
  note?: string;
}

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, processEntities: false, parseTagValue: false, attributeNamePrefix: "@" });

const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : v && typeof v === "object" && typeof (v as { "#text"?: unknown })["#text"] === "string" ? (v as { "#text": string })["#text"] : undefined);

function parse(xml: string): Record<string, unknown> | undefined {
  if (typeof xml !== "string" || xml.length > 64 * 1024) return undefined;
  try {
    const doc = parser.parse(xml) as unknown;
    return doc && typeof doc === "object" ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a PIDF body; undefined when it is empty or not PIDF (the server knows nothing). */
export function readPidf(xml: string): PidfState | undefined {
  const presence = parse(xml)?.presence;
  if (!presence || typeof presence !== "object") return undefined;
  const p = presence as Record<string, unknown>;
  const tuples = list(p.tuple) as Array<Record<string, unknown>>;
  const open = tuples.some((t) => text((t?.status as Record<string, unknown> | undefined)?.basic)?.trim() === "open");
  let activity: PidfState["activity"];
  let note: string | undefined;
  for (const person of list(p.person) as Array<Record<string, unknown>>) {
    for (const acts of list(person?.activities) as Array<Record<string, unknown>>) {
      if (!acts || typeof acts !== "object") continue;
      for (const key of ["on-the-phone", "busy", "away"] as const) if (key in acts) activity ??= key;
    }
    note ??= text(list(person?.note)[0]);
  }
  note ??= text(list(p.note)[0]) ?? text(list(tuples[0]?.note)[0]);
  return { open, ...(activity ? { activity } : {}), ...(note?.trim() ? { note: note.trim().slice(0, 200) } : {}) };
}

/** What a contact's dialog-info says: in no call, a call ringing in, or in a call. */
export type DialogState = "idle" | "ringing" | "busy";

/** Reads a dialog-info body (any state="full" or "partial" document); undefined when unreadable. */
export function readDialogInfo(xml: string): DialogState | undefined {
  const info = parse(xml)?.["dialog-info"];
  if (info === undefined) return undefined;
  if (!info || typeof info !== "object") return "idle"; // <dialog-info .../> with no dialog
  let state: DialogState = "idle";
  for (const d of list((info as Record<string, unknown>).dialog) as Array<Record<string, unknown>>) {
    const s = text(d?.state)?.trim();
    if (s === "confirmed") return "busy";
    if (s === "early" || s === "proceeding" || s === "trying") state = d?.["@direction"] === "recipient" ? "ringing" : "busy";
  }
  return state;
}

/** One lamp from what each package said (undefined: no document from it yet). */
export function lampOf(presence: PidfState | null | undefined, dialog: DialogState | undefined): Lamp {
  if (dialog === "ringing") return "ringing";
  if (dialog === "busy" || presence?.activity === "on-the-phone") return "busy";
  if (presence?.open && presence.activity === "busy") return "dnd";
  if (presence?.open && presence.activity === "away") return "away";
  if (presence?.open) return "idle";
  if (presence === null || presence?.open === false) return "offline"; // null: the server says there is no presence at all
  return dialog === "idle" ? "idle" : "unknown";
}
