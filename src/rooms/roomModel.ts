// What rooms are, whichever Janus plugin serves them (VideoRoom, AudioBridge): their listing,
// members and member events, the checks a new room passes, and Janus's refusals in the words a
// person needs ("wrong PIN", "no such room"), never a bare error code. No vscode import.
import { JanusError } from "./janusConnection";
import { checkSchedule } from "./roomListing";

export const MAX_SUBJECT = 128;
export const MAX_DISPLAY_NAME = 64;
const PIN = /^[0-9]{6}$/;

export interface RoomInfo {
  id: number;
  /** video: VideoRoom (each publishes, each subscribes); audio: AudioBridge (the server mixes). */
  kind: "video" | "audio";
  subject: string;
  pinRequired: boolean;
  participants: number;
  /** The server is recording the room (Janus's list says so to everyone who asks). */
  recording?: boolean;
  /** When the room is expected to start and end, ms since the epoch (see roomListing.ts). */
  start?: number;
  end?: number;
}

export interface Participant {
  id: number;
  display: string;
  publishing: boolean;
  /** Muted their microphone (undefined where the server does not say). */
  muted?: boolean;
  /** Video rooms: sends video (camera or screen). */
  video?: boolean;
  /** Video rooms: their camera is switched off (the stream stays, black). */
  cameraOff?: boolean;
  /** This publisher is someone's screen share, not a person (video rooms). */
  screen?: boolean;
  /** Speaking now, as the server measures it (Janus talking events). */
  talking?: boolean;
}

export interface NewRoom {
  subject: string;
  /** Six digits everyone needs to join; none: the room is open. */
  pin?: string;
  /** Needed to destroy the room and to kick (kept in SecretStorage by the caller). */
  secret: string;
  /** Expected start and end (ms since the epoch), shown with the room in lists. */
  start?: number;
  end?: number;
}

/**
 * What a problem in a room request means for the person who asked. VideoRoom and AudioBridge
 * use different codes for the same things, so the reason's words decide first.
 */
export function roomError(err: unknown, room?: number): Error {
  if (!(err instanceof JanusError)) return err instanceof Error ? err : new Error(String(err));
  const which = room !== undefined ? `room ${room}` : "the room";
  const reason = err.message;
  if (/no such room/i.test(reason) || err.code === 426) return new Error(`${which} does not exist (any more)`);
  if (/admin_key/i.test(reason)) {
    return new Error(/missing/i.test(reason) ? 'creating rooms on this server needs its admin key (set it with "Softphone: Set Rooms Server Secrets…")' : "wrong admin key for this rooms server");
  }
  if (/missing mandatory element \(pin\)/i.test(reason)) return new Error(`${which} needs a PIN`);
  if (/unauthorized|wrong/i.test(reason) || err.code === 433) {
    return new Error(/secret/i.test(reason) ? `wrong secret for ${which}` : `wrong PIN for ${which}`);
  }
  if (/already exists/i.test(reason) || err.code === 427) return new Error(`${which} already exists`);
  if (/maximum number|too many/i.test(reason) || err.code === 432) return new Error(`${which} is full`);
  return new Error(`the rooms server refused: ${reason}${err.code ? ` (${err.code})` : ""}`);
}

/** Checks a new room's fields; throws saying what is wrong. */
export function checkNewRoom(room: NewRoom): void {
  const subject = room.subject.trim();
  if (!subject) throw new Error("a room needs a subject");
  if (subject.length > MAX_SUBJECT) throw new Error(`the subject is ${subject.length} characters; at most ${MAX_SUBJECT}`);
  if (room.pin !== undefined && !PIN.test(room.pin)) throw new Error("the PIN must be 6 digits");
  if (!room.secret) throw new Error("a room needs a secret");
  checkSchedule({ start: room.start, end: room.end });
}

export type MemberEvent =
  | { kind: "joined"; participant: Participant }
  | { kind: "updated"; participant: Participant }
  | { kind: "publishing"; participant: Participant }
  | { kind: "left"; id: number }
  /** Someone (possibly us: `id` is our member id) started or stopped talking. */
  | { kind: "talking"; id: number; talking: boolean }
  | { kind: "kicked" }
  | { kind: "closed" };


/** What a rooms server may ask of every client: Janus's API secret, and the plugins' admin key to create rooms. */
export interface RoomsServerCredentials {
  apiSecret?: string;
  adminKey?: string;
}
