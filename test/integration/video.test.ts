// Integration: video calls on the real bench. Two of our accounts (alice, bob) call each other
// through Kamailio; both media sessions run in one call window page in headless Chromium,
// whose fake camera (Chromium's --use-fake-device-for-media-stream: a moving 640×480 test
// pattern) and fake microphone are real capture devices as far as WebRTC is concerned. Video
// is proven by the receiving side's decoder: framesDecoded rises and the frames have a size.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MediaStats } from "../../src/protocol/callWindow";
import type { CallView } from "../../src/protocol/model";
import { assertAudioArrives as assertAudioArrivesAt, nextIncoming as nextIncomingAt } from "../support/callProbes";
import { PBX, wavStats } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("video calls (two of our accounts and baresip, call window in Chromium with a fake camera)", function () {
  this.timeout(90000);
  let bench: PhoneBench;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("video", [benchAccount("alice"), benchAccount("bob")]);
  });
  after(async () => bench?.stop());

  const phone = () => bench.phone;
  const view = (id: string): CallView | undefined => phone().calls.views().find((c) => c.id === id);
  /** A call's video as the views show it; a call without any (never had, or removed) has none. */
  const videoOf = (id: string) => view(id)?.video ?? { mode: "none", sending: false, receiving: false, cameraOff: false };
  const waitState = (id: string, state: CallView["state"], ms = 15000) => waitFor(`call ${id} to reach ${state}`, () => view(id)?.state === state && view(id)!, ms);
  const stats = async (id: string): Promise<MediaStats> => {
    const s = await phone().media.stats(id);
    if (!s) throw new Error(`no media stats for ${id}`);
    return s;
  };
  const nextIncoming = () => nextIncomingAt(phone());
  const assertAudioArrives = (id: string, who: string) => assertAudioArrivesAt(phone(), id, who);
  /** INVITEs (initial and re-) Kamailio has seen so far. */
  const invitesAtKamailio = () => (readFileSync(join(bench.pbx.runDir, "logs/kamailio.log"), "utf8").match(/REQ INVITE /g) ?? []).length;

  /** `id`'s decoder keeps producing frames of at least 320×240 (checked over ~1.5 s). */
  async function assertVideoArrives(id: string, who: string): Promise<void> {
    await waitFor(`${who} to decode video frames`, async () => ((await stats(id)).video?.framesDecoded ?? 0) > 10, 20000, 200);
    const a = (await stats(id)).video!;
    await sleep(1500);
    const b = (await stats(id)).video!;
    assert.ok(b.framesDecoded - a.framesDecoded >= 10, `${who}: frames keep arriving (${a.framesDecoded} → ${b.framesDecoded})`);
    assert.ok((b.frameWidth ?? 0) >= 320 && (b.frameHeight ?? 0) >= 240, `${who}: frames are at least 320×240 (got ${b.frameWidth}×${b.frameHeight})`);
  }

  /** `id` decodes no new frames over ~1.5 s (after giving a stream 1 s to stop). */
  async function assertNoVideoArrives(id: string, who: string): Promise<void> {
    await sleep(1000);
    const a = (await stats(id)).video?.framesDecoded ?? 0;
    await sleep(1500);
    const b = (await stats(id)).video?.framesDecoded ?? 0;
    assert.ok(b - a <= 1, `${who}: no video frames arrive (${a} → ${b})`);
  }


  async function callBob(video: boolean, answerWithVideo: boolean): Promise<{ out: string; inc: string }> {
    const incoming = nextIncoming();
    const out = await phone().calls.dial("bob", { accountId: "alice", video });
    const atBob = await incoming;
    assert.equal(!!atBob.videoOffered, video, "bob sees whether the call offers video");
    await phone().calls.answer(atBob.id, { video: answerWithVideo });
    await waitState(out, "incall");
    await waitState(atBob.id, "incall");
    return { out, inc: atBob.id };
  }

  async function hangup(id: string, other: string): Promise<void> {
    await phone().calls.hangup(id);
    await waitState(id, "cleared");
    await waitState(other, "cleared");
  }

  it("a video call between two of our accounts: frames decoded both ways (at least 320×240) and audio both ways", async () => {
    const { out, inc } = await callBob(true, true);
    await assertVideoArrives(inc, "bob (alice's camera)");
    await assertVideoArrives(out, "alice (bob's camera)");
    await assertAudioArrives(inc, "bob");
    await assertAudioArrives(out, "alice");
    for (const id of [out, inc]) {
      assert.deepEqual(view(id)?.video, { mode: "send", sending: true, receiving: true, cameraOff: false }, `video state of ${id}`);
    }
    await hangup(out, inc);
    const cameraLive = await bench.pages.at(-1)!.evaluate(() => (globalThis as any).softphoneCallWindow.cameraLive());
    assert.equal(cameraLive, false, "the camera is released when the last video call ends");
  });

  it("answering a video call with audio only: we receive their video, our camera stays off until the user turns it on", async () => {
    const { out, inc } = await callBob(true, false);
    await assertVideoArrives(inc, "bob (alice's camera)");
    await assertNoVideoArrives(out, "alice (bob answered audio only)");
    assert.deepEqual(view(inc)?.video, { mode: "receive", sending: false, receiving: true, cameraOff: false });
    await phone().calls.setVideo(inc, true); // "Turn camera on"
    await assertVideoArrives(out, "alice (bob turned his camera on)");
    await hangup(out, inc);
  });

  it("video added mid-call and removed again, each started from either side", async () => {
    const { out, inc } = await callBob(false, false);
    assert.equal(view(out)?.video, undefined, "an audio call has no video");

    // alice adds video: bob receives it without his camera being switched on.
    await phone().calls.setVideo(out, true);
    await assertVideoArrives(inc, "bob (alice added video)");
    await waitFor("bob's view: receiving, not sending", () => view(inc)?.video?.receiving === true && view(inc)?.video?.sending === false);
    assert.equal((await stats(inc)).video?.framesEncoded ?? 0, 0, "bob's camera was not switched on by alice's re-INVITE");

    // bob turns his camera on: alice receives it.
    await phone().calls.setVideo(inc, true);
    await assertVideoArrives(out, "alice (bob turned his camera on)");

    // bob removes video: it stops both ways and alice's call goes back to audio.
    await phone().calls.setVideo(inc, false);
    await assertNoVideoArrives(out, "alice (bob removed video)");
    await assertNoVideoArrives(inc, "bob (bob removed video)");
    await waitFor("alice's call back to audio only", () => videoOf(out).mode === "none" && !videoOf(out).sending && !videoOf(out).receiving && JSON.stringify(videoOf(out)));
    await assertAudioArrives(out, "alice after video was removed");

    // bob adds video, alice removes it.
    await phone().calls.setVideo(inc, true);
    await assertVideoArrives(out, "alice (bob added video)");
    await phone().calls.setVideo(out, false);
    await assertNoVideoArrives(out, "alice (alice removed video)");
    await waitFor("bob's call back to audio only", () => videoOf(inc).mode === "none" && !videoOf(inc).receiving && JSON.stringify(videoOf(inc)));
    await assertAudioArrives(inc, "bob after video was removed");
    await hangup(out, inc);
  });

  it("video mute stops outbound frames while audio keeps flowing, with no re-INVITE; camera on brings them back", async () => {
    const { out, inc } = await callBob(true, true);
    await assertVideoArrives(inc, "bob (alice's camera)");
    const invites = invitesAtKamailio();
    phone().calls.setCameraOff(out, true);
    assert.equal(view(out)?.video?.cameraOff, true);
    await sleep(1000);
    const e1 = (await stats(out)).video!.framesEncoded;
    await sleep(1500);
    const e2 = (await stats(out)).video!.framesEncoded;
    assert.ok(e2 - e1 <= 1, `alice encodes no frames with her camera off (${e1} → ${e2})`);
    await assertNoVideoArrives(inc, "bob (alice's camera is off)");
    await assertAudioArrives(inc, "bob while alice's camera is off");
    await assertVideoArrives(out, "alice (bob's camera is still on)");
    phone().calls.setCameraOff(out, false);
    await assertVideoArrives(inc, "bob (alice's camera is on again)");
    assert.equal(invitesAtKamailio(), invites, "camera off/on sent no re-INVITE");
    await hangup(out, inc);
  });

  it("switching the camera mid-call: the far end keeps getting frames, now from the other camera, with no re-INVITE", async () => {
    const { out, inc } = await callBob(true, true);
    await assertVideoArrives(inc, "bob (alice's first camera)");
    const hook = (name: string) => bench.pages.at(-1)!.evaluate((n) => (globalThis as any).softphoneCallWindow[n](), name);
    assert.equal(await hook("cameraLabel"), "fake_device_0");
    // Chromium's second fake camera (fake_device_1) simulates a depth camera (16-bit grey
    // frames that no encoder takes); the third (fake_device_2) is an ordinary MJPEG camera.
    const other = await waitFor("the third fake camera in the list", () => phone().media.availableDevices().devices.find((d) => d.kind === "videoinput" && d.label === "fake_device_2"), 10000, 100);
    const invites = invitesAtKamailio();
    await phone().media.chooseDevice("videoinput", other);
    await waitFor(`the camera to switch to ${other.label}`, async () => (await hook("cameraLabel")) === other.label, 5000, 100);
    await assertVideoArrives(inc, "bob (alice's second camera)");
    assert.equal(invitesAtKamailio(), invites, "the camera switch sent no re-INVITE");
    await hangup(out, inc);
  });

  it("a video call to baresip (a phone without video) carries audio both ways", async () => {
    const id = await phone().calls.dial(PBX.phone, { accountId: "alice", video: true });
    await waitState(id, "incall");
    await assertAudioArrives(id, "alice (baresip's tone)");
    await waitFor("the video state settles to audio only", () => videoOf(id).mode === "none" && !videoOf(id).sending && !videoOf(id).receiving && JSON.stringify(videoOf(id)));
    await sleep(1000);
    await phone().calls.hangup(id);
    await waitState(id, "cleared");
    const heard = await waitFor("baresip's recording of this call", () => bench.pbx.receivedRecordings().at(-1), 5000);
    const w = wavStats(heard);
    assert.ok(w.seconds > 1 && w.rms > 0.01, `baresip heard our microphone (rms ${w.rms.toFixed(3)} over ${w.seconds.toFixed(1)} s)`);
  });
});
