// Room dial-in's pure parts: RTP and DTMF as phones send them, the phone's SDP, the 6-digit
// room numbers, and the caller's dialogue (driven here by a scripted caller).
import assert from "node:assert/strict";
import { dialInCode, newRoomNumber, roomForCode } from "../../src/rooms/dialIn/dialInCode";
import { runDialInDialogue, TONES, type CallerLine } from "../../src/rooms/dialIn/dialInDialogue";
import { readPlainAudio, writePlainAudio } from "../../src/rooms/dialIn/plainSdp";
import { buildRtp, DigitReader, linearToUlaw, parseRtp, peakOf, toneFrames, ulawToLinear } from "../../src/rooms/dialIn/rtp";
import type { RoomInfo } from "../../src/rooms/roomModel";

const BARESIP_OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 31002 RTP/AVP 0 8 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-15",
  "a=sendrecv",
  "",
].join("\r\n");

describe("RTP for dial-in", () => {
  it("reads back what it builds, and skips CSRCs, header extensions and padding", () => {
    const payload = Buffer.from([1, 2, 3, 4]);
    const packet = buildRtp({ payloadType: 0, marker: true, sequence: 65535, timestamp: 2 ** 32 - 1, ssrc: 0xdeadbeef }, payload);
    const read = parseRtp(packet)!;
    assert.deepEqual({ ...read, payload: [...read.payload] }, { payloadType: 0, marker: true, sequence: 65535, timestamp: 2 ** 32 - 1, ssrc: 0xdeadbeef, payload: [1, 2, 3, 4] });
    // one CSRC, a one-word extension and two bytes of padding around the same payload
    const fancy = Buffer.concat([Buffer.from([0xb1, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.alloc(4), Buffer.from([0xbe, 0xde, 0, 1]), Buffer.alloc(4), payload, Buffer.from([0, 2])]);
    assert.deepEqual([...parseRtp(fancy)!.payload], [1, 2, 3, 4]);
  });

  it("ignores what is not RTP: short packets, other versions, RTCP on the same port", () => {
    assert.equal(parseRtp(Buffer.alloc(8)), undefined);
    assert.equal(parseRtp(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined);
    assert.equal(parseRtp(Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, "an RTCP sender report");
  });

  it("encodes and decodes G.711 µ-law within its step size", () => {
    for (const s of [0, 100, -100, 1000, -5000, 20000, -32768, 32767]) {
      const back = ulawToLinear(linearToUlaw(s));
      assert.ok(Math.abs(back - s) <= Math.max(8, Math.abs(s) / 16), `${s} → ${back}`);
    }
    assert.equal(peakOf(Buffer.alloc(160, linearToUlaw(0))), 0);
  });

  it("counts each DTMF digit once, however many packets carry it (RFC 4733 updates and end packets)", () => {
    const reader = new DigitReader();
    const event = (digit: number, ts: number, end: boolean) => parseRtp(buildRtp({ payloadType: 101, marker: false, sequence: 1, timestamp: ts, ssrc: 1 }, Buffer.from([digit, end ? 0x8a : 0x0a, 0, 160])))!;
    const digits = [event(4, 1000, false), event(4, 1000, false), event(4, 1000, true), event(4, 1000, true), event(11, 2000, false), event(11, 2000, true), event(10, 3000, true), event(4, 4000, false)]
      .map((p) => reader.read(p))
      .filter((d) => d !== undefined);
    assert.deepEqual(digits, ["4", "#", "*", "4"]);
  });

  it("makes prompt tones as 20 ms frames that are not silent", () => {
    const frames = toneFrames([{ hz: 880, ms: 100 }, { hz: 0, ms: 100 }]);
    assert.equal(frames.length, 10);
    assert.ok(frames.every((f) => f.length === 160));
    assert.ok(peakOf(frames[0]) > 4000, "the beep is heard");
    assert.equal(peakOf(frames[9]), 0, "the pause is silent");
  });
});

describe("a phone's SDP", () => {
  it("reads baresip's offer: where to send, and the DTMF payload type", () => {
    assert.deepEqual(readPlainAudio(BARESIP_OFFER), { address: "127.0.0.1", port: 31002, telephoneEvent: 101 });
  });

  it("refuses what the line cannot take, saying why", () => {
    assert.throws(() => readPlainAudio(BARESIP_OFFER.replace("RTP/AVP 0 8 101", "UDP/TLS/RTP/SAVPF 0 8 101")), /encrypted media/);
    assert.throws(() => readPlainAudio(BARESIP_OFFER.replace("RTP/AVP 0 8 101", "RTP/AVP 8 101")), /PCMU/);
    assert.throws(() => readPlainAudio(BARESIP_OFFER.replace(/m=audio[^\r]*/, "m=video 31004 RTP/AVP 96")), /no audio/);
  });

  it("answers with PCMU and telephone-event on the phone's payload type", () => {
    const answer = writePlainAudio({ address: "10.0.0.5", port: 40000, sessionId: 7, version: 0 }, 96);
    assert.deepEqual(readPlainAudio(answer), { address: "10.0.0.5", port: 40000, telephoneEvent: 96 });
    assert.match(answer, /m=audio 40000 RTP\/AVP 0 96\r\n/);
  });
});

describe("dial-in numbers", () => {
  const rooms: RoomInfo[] = [
    { id: 1000, kind: "video", subject: "Demo", pinRequired: false, participants: 0 },
    { id: 123456, kind: "audio", subject: "Standup", pinRequired: true, participants: 2 },
    { id: 98765432101, kind: "audio", subject: "Big number", pinRequired: false, participants: 0 },
  ];

  it("are a room's number in 6 digits; rooms numbered 1 000 000 and up have none", () => {
    assert.equal(dialInCode(1000), "001000");
    assert.equal(dialInCode(123456), "123456");
    assert.equal(dialInCode(1_000_000), undefined);
    assert.equal(dialInCode(0), undefined);
  });

  it("reach audio rooms only; a video room or an unknown number is refused with the reason", () => {
    const found = roomForCode("123456", rooms);
    assert.ok(found.ok && found.room.subject === "Standup");
    assert.deepEqual(roomForCode("001000", rooms), { ok: false, reason: "room 001000 is a video room; phone callers can only join audio rooms" });
    assert.deepEqual(roomForCode("555555", rooms), { ok: false, reason: "no room has the dial-in number 555555" });
  });

  it("new rooms get 6-digit numbers", () => {
    assert.equal(newRoomNumber(() => 0), 100000);
    assert.equal(newRoomNumber(() => 0.9999999), 999999);
  });
});

describe("the dial-in dialogue", () => {
  /** A caller who presses `keys` in order (one per nextDigit), then goes quiet. */
  function caller(keys: string): CallerLine & { played: Buffer[][] } {
    const queue = [...keys];
    const played: Buffer[][] = [];
    return {
      played,
      play: async (frames) => void played.push(frames),
      nextDigit: async () => queue.shift(),
      clearDigits: () => undefined,
    };
  }
  const rooms = async (): Promise<RoomInfo[]> => [
    { id: 123456, kind: "audio", subject: "Standup", pinRequired: true, participants: 1 },
    { id: 222222, kind: "audio", subject: "Open", pinRequired: false, participants: 0 },
  ];
  const joinWithPin = (right: string) => async (room: RoomInfo, pin: string | undefined) => {
    if (room.pinRequired && pin !== right) throw new Error(`wrong PIN for room ${room.id}`);
    return { room: room.id, pin };
  };

  it("takes the room's number, then its PIN ended with #", async () => {
    const line = caller("123456" + "9876#");
    const result = await runDialInDialogue(line, rooms, joinWithPin("9876"));
    assert.deepEqual(result, { ok: true, room: (await rooms())[0], joined: { room: 123456, pin: "9876" } });
    assert.deepEqual(line.played, [TONES.roomNumber, TONES.pin]);
  });

  it("asks no PIN of an open room", async () => {
    const result = await runDialInDialogue(caller("222222"), rooms, joinWithPin("x"));
    assert.ok(result.ok && result.joined.room === 222222 && result.joined.pin === undefined);
  });

  it("plays the error tone on a wrong PIN and asks again; * starts an entry over", async () => {
    const line = caller("123456" + "1111#" + "98*9876#");
    const result = await runDialInDialogue(line, rooms, joinWithPin("9876"));
    assert.ok(result.ok && result.joined.pin === "9876");
    assert.deepEqual(line.played, [TONES.roomNumber, TONES.pin, TONES.error, TONES.pin]);
  });

  it("gives up after three wrong numbers, and when the caller types nothing", async () => {
    const wrong = await runDialInDialogue(caller("000000" + "000001" + "000002" + "123456"), rooms, joinWithPin("9876"));
    assert.deepEqual(wrong, { ok: false, reason: "no room has the dial-in number 000002" });
    assert.deepEqual(await runDialInDialogue(caller(""), rooms, joinWithPin("9876")), { ok: false, reason: "the caller typed no room number in time" });
    assert.deepEqual(await runDialInDialogue(caller("123456"), rooms, joinWithPin("9876")), { ok: false, reason: "the caller typed no PIN in time" });
  });

  it("ignores # inside a room number", async () => {
    const result = await runDialInDialogue(caller("#222#222"), rooms, joinWithPin("x"));
    assert.ok(result.ok && result.joined.room === 222222);
  });
});
