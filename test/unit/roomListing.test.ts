// The rooms list (roomListing.ts): schedules carried in a room's description and read back,
// paging ten to a page with a type filter, and schedules as people type them.
import assert from "node:assert/strict";
import { checkSchedule, describeRoom, pageOfRooms, parseWhen, readDescription } from "../../src/rooms/roomListing";
import { checkNewRoom, type RoomInfo } from "../../src/rooms/roomModel";

describe("room listing", () => {
  it("a schedule rides in the description and is read back to the minute; a plain description is only a subject", () => {
    const start = Date.UTC(2026, 11, 1, 10, 0);
    const end = Date.UTC(2026, 11, 1, 11, 30);
    const d = describeRoom("Weekly sync", { start, end });
    assert.equal(d, "Weekly sync [from 2026-12-01T10:00Z to 2026-12-01T11:30Z]");
    assert.deepEqual(readDescription(d), { subject: "Weekly sync", start, end });
    assert.deepEqual(readDescription(describeRoom("Open end", { start })), { subject: "Open end", start });
    assert.deepEqual(readDescription("Demo room"), { subject: "Demo room" });
    assert.deepEqual(readDescription("Notes [draft]"), { subject: "Notes [draft]" }, "brackets that are not a schedule stay in the subject");
    assert.deepEqual(readDescription("[from 2026-99-99T99:99Z]").subject.length > 0, true, "junk dates never throw");
  });

  it("pages ten at a time, filtered by type, in subject order; a page past the end is the last page", () => {
    const rooms: RoomInfo[] = Array.from({ length: 23 }, (_, i) => ({
      id: 100 + i,
      kind: i % 3 === 0 ? "audio" : "video",
      subject: `Room ${String(i).padStart(2, "0")}`,
      pinRequired: false,
      participants: 0,
    }));
    const first = pageOfRooms(rooms);
    assert.deepEqual({ page: first.page, pages: first.pages, total: first.total, n: first.rooms.length }, { page: 1, pages: 3, total: 23, n: 10 });
    assert.equal(first.rooms[0].subject, "Room 00");
    const last = pageOfRooms(rooms, { page: 99 });
    assert.deepEqual({ page: last.page, n: last.rooms.length, firstSubject: last.rooms[0].subject }, { page: 3, n: 3, firstSubject: "Room 20" });
    const audio = pageOfRooms(rooms, { kind: "audio" });
    assert.equal(audio.total, 8);
    assert.ok(audio.rooms.every((r) => r.kind === "audio"));
    assert.deepEqual(pageOfRooms([], { kind: "video", page: -3 }), { rooms: [], page: 1, pages: 1, total: 0, kind: "video" });
  });

  it("reads schedules as typed (local time) and refuses what it cannot read or what ends before it starts", () => {
    const s = parseWhen("2026-12-01 10:00 to 11:30");
    assert.equal(s.end! - s.start!, 90 * 60000);
    assert.equal(new Date(s.start!).getHours(), 10);
    const overnight = parseWhen("2026-12-01 23:00 to 01:00");
    assert.equal(overnight.end! - overnight.start!, 2 * 3600000, "an end before the start is the next day");
    assert.deepEqual(parseWhen("  "), {});
    assert.equal(parseWhen("2026-12-01 10:00").end, undefined);
    assert.throws(() => parseWhen("tomorrow at ten"), /2026-12-01 10:00 to 11:00/);
    assert.throws(() => parseWhen("2026-12-01 25:00"), /not a time of day/);
    assert.throws(() => checkSchedule({ start: 2000, end: 1000 }), /must end after it starts/);
    assert.throws(() => checkSchedule({ end: 1000 }, 5000), /has passed/);
    assert.throws(() => checkNewRoom({ subject: "x", secret: "s", start: NaN }), /not a date/);
  });
});
