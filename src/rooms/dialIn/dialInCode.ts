// The numbers a phone caller types to reach a room (the seed SDK's makeSipNumber): a room's
// dial-in code is its number written with 6 digits, so rooms numbered below 1 000 000 have one
// (the extension creates rooms with 6-digit numbers). Only audio rooms take phone callers:
// Janus mixes them; a video room has no plain-RTP input. No vscode import.
import type { RoomInfo } from "../roomModel";

export const DIAL_IN_CODE_LENGTH = 6;
/** A PIN is typed after the code and ended with "#"; longer input is a mistake. */
export const MAX_PIN_DIGITS = 12;

/** The 6 digits that reach `room` by phone; undefined if its number is too large to have one. */
export function dialInCode(room: number): string | undefined {
  if (!Number.isSafeInteger(room) || room <= 0 || room >= 10 ** DIAL_IN_CODE_LENGTH) return undefined;
  return String(room).padStart(DIAL_IN_CODE_LENGTH, "0");
}

export type CodeLookup = { ok: true; room: RoomInfo } | { ok: false; reason: string };

/** Which room a typed code reaches, or why none does. */
export function roomForCode(code: string, rooms: readonly RoomInfo[]): CodeLookup {
  const matches = rooms.filter((r) => dialInCode(r.id) === code);
  const audio = matches.find((r) => r.kind === "audio");
  if (audio) return { ok: true, room: audio };
  if (matches.length > 0) return { ok: false, reason: `room ${code} is a video room; phone callers can only join audio rooms` };
  return { ok: false, reason: `no room has the dial-in number ${code}` };
}

/** A new room's number: 6 digits (100000–999999), so it has a dial-in code. */
export function newRoomNumber(random: () => number = Math.random): number {
  return 100000 + Math.floor(random() * 900000);
}
