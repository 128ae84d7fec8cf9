// Integration: a video room with three people on the bench's real Janus — three phones, each
// with its own call window in headless Chromium (fake camera and microphone). Each receives the
// other two (bytes, frames decoded, levels); a mute and a camera switched off reach the others
// through the server (VideoRoom stream descriptions) and show on their tiles; stopping one feed
// (unsubscribe) stops that feed only; a screen share arrives as a feed and tile of its own; all
// that is received arrives over one peer connection per phone.
// Headless Chromium's screen capture is its fake screen (--use-fake-ui-for-media-stream picks it);
// the fake microphones play a speech-like file, as Chromium's short beeps never count as talking.
import assert from "node:assert/strict";
import { assertFeedArrives, assertVideoArrives, peakLevel, sessionStats, startRoomPhones, type RoomPhones } from "../support/roomProbes";
import { sleep, waitFor } from "../support/wait";
import type { Softphone } from "../../src/softphone";

/** What a test sees of a tile in the call window. */
interface TileSeen {
  name: string;
  big: boolean;
  talking?: string;
  pinned?: string;
  muted?: string;
  cameraOff?: string;
  screen?: string;
  received?: string;
  video?: string;
}

describe("a video room with three people: tiles, mute marks, unsubscribe, screen share", function () {
  this.timeout(150000);
  let rig: RoomPhones;
  let room: number;
  let ann: Softphone, ben: Softphone, cid: Softphone;
  const ids: Record<string, number> = {};

  before(async function () {
    this.timeout(180000);
    rig = await startRoomPhones("roomgrid", 3, { speechLike: true });
    [ann, ben, cid] = rig.phones;
    room = await ann.rooms.create({ subject: "Grid check", pin: "135790", secret: "grid-secret" });
    ids.Ann = (await ann.rooms.join(room, { display: "Ann", pin: "135790", video: true })).memberId;
    ids.Ben = (await ben.rooms.join(room, { display: "Ben", pin: "135790", video: true })).memberId;
    ids.Cid = (await cid.rooms.join(room, { display: "Cid", pin: "135790", video: true })).memberId;
  });
  after(async () => {
    for (const p of rig?.phones ?? []) await p.rooms.leave().catch(() => undefined);
    await ann?.rooms.destroy(room, "grid-secret").catch(() => undefined);
    await rig?.stop();
  });

  const feedAt = (phone: Softphone, who: string) => waitFor(`${who}'s feed to be received`, () => phone.rooms.subscriptionSession(ids[who]), 20000);
  const memberAt = (phone: Softphone, who: string) => phone.rooms.view()?.others.find((p) => p.id === ids[who]);
  /** Phone i's call window tile for member `who` (its data attributes). */
  const tileAt = (i: number, who: string | number) => tileOf(i, typeof who === "number" ? who : ids[who]);
  /** Phone i's call window tile for member `id`: its data attributes, name and size, or null. */
  const tileOf = (i: number, id: number): Promise<TileSeen | null> =>
    rig.page(i).evaluate((memberId) => {
      const el = (globalThis as any).document.querySelector(`[data-testid="room-tile"][data-member="${memberId}"]`);
      return el ? { ...el.dataset, big: el.classList.contains("big"), name: el.querySelector('[data-testid="tile-name"]')?.textContent ?? "" } : null;
    }, String(id));

  it("each receives the other two (bytes, frames decoded, levels), and the call window has a named tile for everyone", async () => {
    const phones: Array<[Softphone, string]> = [[ann, "Ann"], [ben, "Ben"], [cid, "Cid"]];
    for (const [phone, name] of phones) {
      for (const [, other] of phones.filter(([, n]) => n !== name)) await assertFeedArrives(phone, await feedAt(phone, other), `${name} receiving ${other}`);
    }
    const names = () => rig.page(0).$$eval('[data-testid="room-tile"] [data-testid="tile-name"]', (els) => els.map((e) => e.textContent ?? "").sort().join(", "));
    await waitFor("Ann's call window to name a tile for each of the three", async () => (await names()) === "Ben, Cid, You", 10000, 200).catch(async (err) => {
      throw new Error(`${(err as Error).message}; the tiles say: ${await names()}`);
    });
    assert.equal((await tileAt(0, "Ben"))?.video, "on", "Ben's tile at Ann plays his video");
  });

  it("each receives the other two over one peer connection (Janus multistream): publish, receive and chat — three in all", async () => {
    for (const [i, others] of [[0, ["Ben", "Cid"]], [1, ["Ann", "Cid"]], [2, ["Ann", "Ben"]]] as const) {
      const seen = await rig.page(i).evaluate(() => {
        const w = (globalThis as any).softphoneCallWindow;
        return { sessions: w.sessionCount() as number, receivers: w.roomReceivers() as Array<{ sessionId: string; feeds: number[] }> };
      });
      assert.equal(seen.receivers.length, 1, `phone ${i}: one receiving session (${JSON.stringify(seen)})`);
      assert.deepEqual([...seen.receivers[0].feeds].sort(), others.map((o) => ids[o]).sort(), `phone ${i}: it carries both others`);
      assert.equal(seen.sessions, 3, `phone ${i}: peer connections for publishing, receiving and the chat only (${JSON.stringify(seen)})`);
    }
  });

  it("each received feed has a call's quality figures (bitrate, MOS, frame rate) from its own m-lines, and its tile shows the grade", async () => {
    const benAtAnn = await feedAt(ann, "Ben");
    // The first seconds after a join or a layer switch may show a burst of loss: a good second within 10 s.
    let last: unknown;
    const q = await waitFor("quality figures for Ben's feed at Ann", async () => {
      const s = (last = (await sessionStats(ann, benAtAnn)).quality);
      return s?.audio && s.audio.receiveKbps > 0 && (s.video?.framesPerSecond ?? 0) > 0 && (s.mos ?? 0) > 3 && s;
    }, 10000, 250).catch((err) => assert.fail(`${(err as Error).message}; the last figures: ${JSON.stringify(last)}`));
    assert.ok(q.audio!.receiveKbps > 5 && q.audio!.receiveKbps < 200, `one publisher's audio bitrate (${q.audio!.receiveKbps} kbps)`);
    assert.equal(q.audio!.sendKbps, 0, "nothing is sent on a received feed");
    assert.ok((q.video!.framesPerSecond ?? 0) > 5, `Ben's video frame rate (${q.video!.framesPerSecond})`);
    const grade = await waitFor("Ann's tile for Ben to show the grade", () =>
      rig.page(0).evaluate((id) => (globalThis as any).document.querySelector(`[data-testid="room-tile"][data-member="${id}"] [data-testid="tile-quality"]`)?.dataset.grade ?? null, String(ids.Ben)), 5000, 200);
    assert.match(grade, /^(good|fair|poor)$/);
  });

  it("who speaks is marked for the others (Janus talking events) on their tiles", async () => {
    // The fake microphones talk (1.6 s on, 1.4 s off): Janus hears it within a few seconds.
    const talker = await waitFor("Ann to see someone talking", () => ann.rooms.view()?.others.find((p) => p.talking), 20000, 100);
    const name = talker.display;
    await waitFor(`Ann's tile for ${name} to say so`, async () => (await tileAt(0, name))?.talking === "true", 5000);
  });

  it("Ben's mute reaches Ann and Cid (mark and tile), and his audio falls silent there; unmuted, it comes back", async () => {
    const benAtAnn = await feedAt(ann, "Ben");
    ben.rooms.setMuted(true);
    await waitFor("Ann to see Ben muted", () => memberAt(ann, "Ben")?.muted === true, 10000);
    await waitFor("Cid to see Ben muted", () => memberAt(cid, "Ben")?.muted === true, 10000);
    await waitFor("Ann's tile for Ben to be marked muted", async () => (await tileAt(0, "Ben"))?.muted === "true", 5000);
    assert.equal(memberAt(ann, "Cid")?.muted, false, "only Ben is marked");
    // A muted track sends digital silence; the decoder's comfort noise reads below 0.01.
    let silent = 1;
    await waitFor("Ann to hear nothing from Ben", async () => (silent = await peakLevel(ann, benAtAnn, 1500)) < 0.01, 12000, 0).catch(() => undefined);
    assert.ok(silent < 0.01, `Ben muted: Ann hears nothing from him (level ${silent})`);
    ben.rooms.setMuted(false);
    await waitFor("Ann to see Ben unmuted", () => memberAt(ann, "Ben")?.muted === false, 10000);
    const back = await peakLevel(ann, benAtAnn);
    assert.ok(back > 0.05 && back > 5 * silent, `Ben unmuted: Ann hears him again (level ${back}, muted ${silent})`);
  });

  it("Cid's camera switched off reaches the others (mark, tile without video) and his frames stop; on again, they flow", async () => {
    const cidAtBen = await feedAt(ben, "Cid");
    cid.rooms.setCameraOff(true);
    await waitFor("Ben to see Cid's camera off", () => memberAt(ben, "Cid")?.cameraOff === true, 10000);
    await waitFor("Ben's tile for Cid to show no video", async () => (await tileAt(1, "Cid"))?.video === "off", 5000);
    await sleep(1000);
    const a = (await sessionStats(ben, cidAtBen)).video!.framesDecoded;
    await sleep(2000);
    const b = (await sessionStats(ben, cidAtBen)).video!.framesDecoded;
    assert.ok(b - a <= 1, `camera off: no frames from Cid (${a} → ${b})`);
    cid.rooms.setCameraOff(false);
    await waitFor("Ben to see Cid's camera on", () => memberAt(ben, "Cid")?.cameraOff === false, 10000);
    await assertVideoArrives(ben, cidAtBen, "Ben receiving Cid again");
  });

  it("Ann stops receiving Ben: that feed ends while Cid's goes on; Ben stays listed, and receiving him again works", async () => {
    const benAtAnn = await feedAt(ann, "Ben");
    const cidAtAnn = await feedAt(ann, "Cid");
    await ann.roomAct({ action: "receive", memberId: ids.Ben, on: false });
    assert.equal(ann.rooms.subscriptionSession(ids.Ben), undefined);
    assert.equal(await ann.media.stats(benAtAnn), null, "the call window closed Ann's session for Ben's feed");
    assert.deepEqual({ subscribed: memberAt(ann, "Ben")?.subscribed, declined: memberAt(ann, "Ben")?.declined }, { subscribed: false, declined: true });
    assert.equal((await tileAt(0, "Ben"))?.received, "false", "Ben's tile says he is not received");
    await assertFeedArrives(ann, cidAtAnn, "Ann still receiving Cid");
    // A mark change re-announces Ben as a publisher: a declined feed is not taken back by itself.
    ben.rooms.setMuted(true);
    await waitFor("Ann to see Ben muted", () => memberAt(ann, "Ben")?.muted === true, 10000);
    assert.equal(ann.rooms.subscriptionSession(ids.Ben), undefined, "still not receiving Ben");
    ben.rooms.setMuted(false);
    await ann.roomAct({ action: "receive", memberId: ids.Ben, on: true });
    await assertFeedArrives(ann, await feedAt(ann, "Ben"), "Ann receiving Ben again");
  });

  it("simulcast: the tile Ann pins gets the full picture, a small tile half its size; pinning the other swaps them", async () => {
    const width = async (who: string) => (await sessionStats(ann, await feedAt(ann, who))).video?.frameWidth ?? 0;
    const pin = (who: string) => rig.page(0).click(`[data-testid="room-tile"][data-member="${ids[who]}"] [data-testid="tile-pin"]`);
    for (const [big, small] of [["Ben", "Cid"], ["Cid", "Ben"]] as const) {
      // Tiles move while people talk (the stage follows the speaker), and a click on a tile that
      // moved under the pointer is lost: click again while it is not pinned (Pin toggles, so
      // never on a pinned one).
      await waitFor(`Ann's tile for ${big} to be the pinned one`, async () => {
        const tile = await tileAt(0, big);
        if (tile?.pinned === "true") return tile.big;
        await pin(big).catch(() => undefined);
        return false;
      }, 10000, 1000);
      let seen = "";
      await waitFor(`${big} (large) to arrive in a higher layer than ${small} (small)`, async () => {
        const [b, s] = [await width(big), await width(small)];
        seen = `${big} ${b} px, ${small} ${s} px`;
        return b > 0 && s > 0 && s <= b * 0.6;
      }, 20000, 500).catch((err) => {
        throw new Error(`${(err as Error).message}: ${seen}`);
      });
    }
    await pin("Cid"); // unpin
  });

  it("Ann shares her screen: Ben and Cid get it as its own feed and tile (on their stage); Ann does not; stopping removes it", async () => {
    await ann.roomAct({ action: "screen", on: true });
    const screenId = ann.rooms.view()?.screenId;
    assert.ok(typeof screenId === "number", "Ann's view has her screen share's member id");
    assert.ok(!ann.rooms.view()!.others.some((p) => p.id === screenId), "Ann's own screen is not listed as someone else");
    for (const [phone, name, i] of [[ben, "Ben", 1], [cid, "Cid", 2]] as const) {
      // Janus announces the newcomer ("joining") before its streams: the screen mark follows.
      const screen: { display: string; screen?: boolean } = await waitFor(`${name} to see Ann's screen`, () => phone.rooms.view()?.others.find((p) => p.id === screenId && p.publishing), 10000);
      assert.deepEqual({ display: screen.display, screen: screen.screen }, { display: "Ann", screen: true });
      await assertVideoArrives(phone, await waitFor(`${name} to receive the screen`, () => phone.rooms.subscriptionSession(screenId), 15000), `${name} receiving Ann's screen`);
      const tile: TileSeen = await waitFor(`${name}'s call window to show the screen tile`, async () => {
        const t = await tileOf(i, screenId);
        return t?.video === "on" ? t : undefined;
      }, 10000);
      assert.deepEqual({ screen: tile.screen, video: tile.video, big: tile.big, name: tile.name }, { screen: "true", video: "on", big: true, name: "Ann's screen" });
    }
    // Ann still publishes her camera beside the screen.
    await assertFeedArrives(ben, await feedAt(ben, "Ann"), "Ben still receiving Ann's camera");
    await ann.roomAct({ action: "screen", on: false });
    await waitFor("the screen to leave Ben's room", () => !ben.rooms.view()?.others.some((p) => p.id === screenId), 10000);
    assert.equal(ann.rooms.view()?.screenId, undefined);
  });
});
