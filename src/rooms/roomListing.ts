// The rooms list as people browse it (the seed's roomList): filtered by type, ten to a page, and
// each room's schedule. Janus keeps no start or end time for a room, so a schedule rides in the
// room's description after the subject — "Weekly sync [from 2026-12-01T10:00Z to …]" — which any
// Janus client shows as readable text, and which we read back into subject and times. No vscode
// import.
import type { RoomInfo } from "./roomModel";

export const ROOMS_PER_PAGE = 10;

export interface Schedule {
  /** Expected start and end, ms since the epoch. */
  start?: number;
  end?: number;
}

const SCHEDULE = /\s*\[(?:from (\d{4}-\d\d-\d\dT\d\d:\d\dZ))?\s*(?:to (\d{4}-\d\d-\d\dT\d\d:\d\dZ))?\]$/;

const minute = (ms: number) => new Date(Math.floor(ms / 60000) * 60000).toISOString().replace(/:00\.000Z$/, "Z");

/** The description a room with this subject and schedule is created with. */
export function describeRoom(subject: string, schedule: Schedule = {}): string {
  const parts = [schedule.start !== undefined ? `from ${minute(schedule.start)}` : "", schedule.end !== undefined ? `to ${minute(schedule.end)}` : ""].filter(Boolean);
  return parts.length ? `${subject} [${parts.join(" ")}]` : subject;
}

/** A room's description read back: the subject, and the schedule when it carries one. */
export function readDescription(description: string): { subject: string } & Schedule {
  const m = SCHEDULE.exec(description);
  if (!m || (!m[1] && !m[2])) return { subject: description };
  const at = (s: string | undefined) => (s ? Date.parse(s.replace(/Z$/, ":00Z")) : undefined);
  const start = at(m[1]);
  const end = at(m[2]);
  return {
    subject: description.slice(0, m.index) || description,
    ...(start !== undefined && Number.isFinite(start) ? { start } : {}),
    ...(end !== undefined && Number.isFinite(end) ? { end } : {}),
  };
}

/** Checks a new room's schedule (both optional); throws saying what is wrong. */
export function checkSchedule(schedule: Schedule, now = Date.now()): void {
  for (const [name, v] of [["start", schedule.start], ["end", schedule.end]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new Error(`the ${name} time is not a date`);
  }
  if (schedule.start !== undefined && schedule.end !== undefined && schedule.end <= schedule.start) throw new Error("the room must end after it starts");
  if (schedule.end !== undefined && schedule.end <= now) throw new Error("the end time has passed");
}

export interface RoomPage {
  rooms: RoomInfo[];
  /** 1-based; clamped to the pages there are. */
  page: number;
  pages: number;
  /** Rooms matching the filter, on all pages. */
  total: number;
  kind: RoomInfo["kind"] | "all";
}

/** One page of the rooms, filtered by type, in a stable order (subject, then number). */
export function pageOfRooms(all: RoomInfo[], options: { kind?: RoomInfo["kind"] | "all"; page?: number } = {}): RoomPage {
  const kind = options.kind ?? "all";
  const matching = all
    .filter((r) => kind === "all" || r.kind === kind)
    .sort((a, b) => a.subject.localeCompare(b.subject) || a.id - b.id);
  const pages = Math.max(1, Math.ceil(matching.length / ROOMS_PER_PAGE));
  const asked = Number.isSafeInteger(options.page) ? (options.page as number) : 1;
  const page = Math.min(Math.max(1, asked), pages);
  return { rooms: matching.slice((page - 1) * ROOMS_PER_PAGE, page * ROOMS_PER_PAGE), page, pages, total: matching.length, kind };
}

/**
 * A schedule as a person types it, in local time: "2026-12-01 10:00 to 11:00",
 * "2026-12-01 10:00 to 2026-12-02 09:00", or just "2026-12-01 10:00". Empty: no schedule.
 * Throws saying what it expects.
 */
export function parseWhen(text: string): Schedule {
  const t = text.trim();
  if (!t) return {};
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d{1,2}:\d\d)(?:\s*(?:to|–|-)\s*(?:(\d{4}-\d\d-\d\d)[ T])?(\d{1,2}:\d\d))?$/.exec(t);
  if (!m) throw new Error('write it as "2026-12-01 10:00 to 11:00" (local time), or leave it empty');
  const local = (date: string, time: string) => {
    const [y, mo, d] = date.split("-").map(Number);
    const [h, mi] = time.split(":").map(Number);
    if (h > 23 || mi > 59) throw new Error(`${time} is not a time of day`);
    return new Date(y, mo - 1, d, h, mi).getTime();
  };
  const start = local(m[1], m[2]);
  if (!m[4]) return { start };
  let end = local(m[3] ?? m[1], m[4]);
  if (!m[3] && end <= start) end += 24 * 3600 * 1000; // "23:00 to 01:00": the next day
  return { start, end };
}
