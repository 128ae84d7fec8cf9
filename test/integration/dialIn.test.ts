// Integration: a phone dials in to an audio room. baresip (a plain SIP phone sending a 440 Hz
// tone and recording what it hears) calls the rooms' dial-in number; Kamailio hands it to our
// "rooms" account (roomDialIn), whose line in the extension host prompts with tones and reads
// the room's 6-digit number and PIN as RFC 4733 DTMF, then bridges the caller into Janus's
// AudioBridge as a plain-RTP participant. Ann, in the room with her call window, hears the
// phone (her inbound level rises, and was silent before it joined) and the phone hears Ann
// (baresip's recording after the join is not silent). No mocks.
import assert from "node:assert/strict";
import { dialInCode } from "../../src/rooms/dialIn/dialInCode";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { baresipCallCount, PBX, wavStats } from "../support/pbx";
import { roomSettings } from "../support/roomProbes";
import { sleep, waitFor } from "../support/wait";

const HEARD = 0.01;
const SILENT = 0.005;

describe("phone dial-in to an audio room (baresip → Kamailio → our dial-in line → Janus AudioBridge)", function () {
  this.timeout(120000);
  let bench: PhoneBench;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("dialin", [benchAccount("rooms", { roomDialIn: true }), benchAccount("alice")], {
      settings: roomSettings,
      dialInTiming: { firstDigitMs: 8000, nextDigitMs: 4000 },
    });
  });
  after(async () => bench?.stop());

  const phone = () => bench.phone;
  const caller = () => phone().getState().dialIns?.[0];
  const baresipHasCall = async () => (await baresipCallCount(bench.pbx)) > 0;

  /** Ann's loudest inbound level (the room's mix without her) over 2.5 s. */
  async function annHears(): Promise<number> {
    const session = phone().rooms.publishSessionId()!;
    await phone().media.stats(session);
    let max = 0;
    for (const end = Date.now() + 2500; Date.now() < end; await sleep(150)) max = Math.max(max, (await phone().media.stats(session))?.inboundLevel ?? 0);
    return max;
  }

  it("the caller types the room's number and PIN (a wrong PIN is refused with a tone), lands in the room, and audio flows both ways", async () => {
    const room = await phone().rooms.create({ kind: "audio", subject: "Dial-in check", pin: "246810", secret: "dialin-secret" });
    const code = dialInCode(room);
    assert.ok(code && /^\d{6}$/.test(code), `a room we create has a 6-digit dial-in number (room ${room})`);
    const joined = await phone().rooms.join(room, { display: "Ann", pin: "246810" });
    assert.equal(joined.dialInCode, code, "the room's view says its dial-in number");
    const alone = await annHears();
    assert.ok(alone < SILENT, `Ann alone in the room hears nothing (level ${alone.toFixed(4)})`);

    const recordingsBefore = bench.pbx.receivedRecordings().length;
    await bench.pbx.baresip("dial", `sip:${PBX.roomsNumber}@${PBX.domain}`);
    await waitFor("the dial-in line to answer and prompt", () => caller()?.stage === "dialogue", 10000);
    await sleep(800); // the prompt
    await bench.pbx.baresip("sndcode", code!);
    await sleep(1500);
    await bench.pbx.baresip("sndcode", "111111#"); // wrong PIN: refused, asked again
    await sleep(2500);
    assert.equal(caller()?.stage, "dialogue", "a wrong PIN does not let the caller in");
    assert.equal(phone().rooms.view()!.others.length, 0, "nobody joined with the wrong PIN");
    await bench.pbx.baresip("sndcode", "246810#");
    await waitFor("the caller to be in the room", () => caller()?.stage === "in-room", 15000);
    assert.equal(caller()!.room, room);
    await waitFor("Ann to see the phone in the room", () => phone().rooms.view()?.others.some((o) => /^Phone /.test(o.display)), 10000);

    // The phone's tone reaches Ann through the room's mix.
    const heard = await annHears();
    assert.ok(heard > HEARD, `Ann hears the phone in the room (level ${heard.toFixed(4)}; before it joined ${alone.toFixed(4)})`);
    const counters = phone().dialIn.counters(caller()!.id)!;
    assert.ok(counters.phonePeak > 1000, `the phone's audio went into the room (peak ${counters.phonePeak})`);

    // Ann's microphone (Chromium's fake device beeps) reaches the phone: baresip's recording after the join is not silent.
    await sleep(1500);
    await bench.pbx.baresip("hangup");
    await waitFor("the dial-in caller to be gone", () => !caller(), 10000);
    await waitFor("Ann to see the phone leave", () => phone().rooms.view()?.others.length === 0, 10000);
    const rec = await waitFor("baresip's recording", () => bench.pbx.receivedRecordings().length > recordingsBefore && bench.pbx.receivedRecordings().at(-1), 10000);
    await sleep(300);
    // baresip writes only the audio it received: the prompts (about 2 s) come first, then the
    // room. The last 3 s are the room's mix alone (the phone was in the room for 4 s and more).
    const whole = wavStats(rec);
    const afterJoin = wavStats(rec, { fromSeconds: whole.seconds - 3 });
    assert.ok(whole.seconds > 5, `baresip received ${whole.seconds.toFixed(1)} s of audio`);
    assert.ok(afterJoin.peak > 0.05 && afterJoin.rms > 0.002, `the phone heard Ann through the room (rms ${afterJoin.rms.toFixed(4)}, peak ${afterJoin.peak.toFixed(3)})`);

    await phone().rooms.leave();
    await phone().rooms.destroy(room, "dialin-secret");
  });

  it("a number that reaches no room is refused with a tone and, after three tries, the line hangs up", async () => {
    await bench.pbx.baresip("dial", `sip:${PBX.roomsNumber}@${PBX.domain}`);
    await waitFor("the dial-in line to answer", () => caller()?.stage === "dialogue", 10000);
    for (let i = 0; i < 3; i++) {
      await sleep(800);
      await bench.pbx.baresip("sndcode", "000000");
      await sleep(1200);
    }
    await waitFor("the line to hang up on the caller", async () => !caller() && !(await baresipHasCall()), 15000, 300);
  });

  it("a caller in a room is hung up when the room is destroyed", async () => {
    const room = await phone().rooms.create({ kind: "audio", subject: "Short-lived", secret: "s" });
    await bench.pbx.baresip("dial", `sip:${PBX.roomsNumber}@${PBX.domain}`);
    await waitFor("the dial-in line to answer", () => caller()?.stage === "dialogue", 10000);
    await sleep(800);
    await bench.pbx.baresip("sndcode", dialInCode(room)!);
    await waitFor("the caller to be in the room (no PIN asked)", () => caller()?.stage === "in-room", 15000);
    await phone().rooms.destroy(room, "s");
    await waitFor("the caller to be hung up", async () => !caller() && !(await baresipHasCall()), 15000, 300);
  });

  it("a WebRTC caller (our alice, converted to plain RTP by rtpengine) dials in with its keypad and is heard both ways", async () => {
    const room = await phone().rooms.create({ kind: "audio", subject: "Browser dial-in", secret: "b" });
    await phone().rooms.join(room, { display: "Ann" });
    const callId = await phone().dial(PBX.roomsNumber, { accountId: "alice" });
    await waitFor("alice's call to the dial-in line to be answered", () => phone().getState().calls.find((c) => c.id === callId)?.state === "incall", 15000);
    await sleep(800);
    await phone().calls.sendDtmf(callId, dialInCode(room)!);
    await waitFor("alice to be in the room", () => caller()?.stage === "in-room", 15000);
    assert.equal(caller()!.room, room);

    /** The loudest inbound level of a media session over 2.5 s. */
    const loudest = async (sessionId: string) => {
      await sleep(1000);
      await phone().media.stats(sessionId);
      let max = 0;
      for (const end = Date.now() + 2500; Date.now() < end; await sleep(150)) max = Math.max(max, (await phone().media.stats(sessionId))?.inboundLevel ?? 0);
      return max;
    };
    // Ann speaks (alice's microphone off): alice hears her through the room, the line and rtpengine.
    phone().calls.setMuted(callId, true);
    phone().rooms.setMuted(false);
    const aliceHears = await loudest(callId);
    assert.ok(aliceHears > HEARD, `alice hears the room (level ${aliceHears.toFixed(4)})`);
    // alice speaks (Ann's microphone off): Ann hears her in the room.
    phone().rooms.setMuted(true);
    phone().calls.setMuted(callId, false);
    const annHearsAlice = await loudest(phone().rooms.publishSessionId()!);
    assert.ok(annHearsAlice > HEARD, `Ann hears alice (level ${annHearsAlice.toFixed(4)})`);

    await phone().calls.hangup(callId);
    await waitFor("the dial-in caller to be gone", () => !caller(), 10000);
    await phone().rooms.leave();
    await phone().rooms.destroy(room, "b");
  });
});
