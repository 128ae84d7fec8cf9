// Integration: media in a room on the bench's real Janus. Two people — two phones, each with its
// own call window in headless Chromium — join the same room with a PIN: each publishes its
// microphone and camera (Chromium's fake devices) from its call window, and subscribes to the
// other automatically. Proven by each subscription's own figures: bytes and packets rise, the
// audio level is not silence, video frames are decoded. Leaving ends the other's subscription.
import assert from "node:assert/strict";
import { assertFeedArrives, startRoomPhones, type RoomPhones } from "../support/roomProbes";
import { waitFor } from "../support/wait";


describe("room media on Janus (two phones publish and subscribe to each other)", function () {
  this.timeout(90000);
  let rig: RoomPhones;

  before(async function () {
    this.timeout(120000);
    rig = await startRoomPhones("roommedia", 2);
  });
  after(async () => rig?.stop());

  it("both publish camera and microphone; each receives the other's audio and video; leaving ends the other's subscription", async () => {
    const a = rig.phones[0];
    const b = rig.phones[1];
    const room = await a.rooms.create({ subject: "Media check", pin: "246810", secret: "media-secret" });
    const inA = await a.rooms.join(room, { display: "Ann", pin: "246810", video: true });
    assert.deepEqual(inA.publishing, { audio: true, video: true });
    const inB = await b.rooms.join(room, { display: "Ben", pin: "246810", video: true });
    assert.deepEqual(inB.others.map((p) => p.display), ["Ann"]);

    const annAtBen = await waitFor("Ben to receive Ann", () => b.rooms.subscriptionSession(inA.memberId), 15000);
    const benAtAnn = await waitFor("Ann to receive Ben", () => a.rooms.subscriptionSession(inB.memberId), 15000);
    await assertFeedArrives(b, annAtBen, "Ben receiving Ann");
    await assertFeedArrives(a, benAtAnn, "Ann receiving Ben");
    assert.equal(a.rooms.view()?.others.find((p) => p.id === inB.memberId)?.subscribed, true);

    await b.rooms.leave();
    await waitFor("Ann's subscription to Ben to end", () => a.rooms.subscriptionSession(inB.memberId) === undefined, 10000);
    assert.equal(await a.media.stats(benAtAnn), null, "the call window closed Ann's session for Ben's feed");
    await a.rooms.leave();
    await a.rooms.destroy(room, "media-secret");
  });
});
