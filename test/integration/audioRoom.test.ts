// Integration: an audio room (Janus AudioBridge, the server mixes) with three people — three
// phones, each with its own call window in headless Chromium. Each one's microphone is switched
// on in turn (the others muted) and every member's inbound level — the server's mix on its own
// connection — is read: the two who listen hear the speaker, the speaker hears nobody (the mix
// leaves out one's own voice).
import assert from "node:assert/strict";
import type { Softphone } from "../../src/softphone";
import { startRoomPhones, type RoomPhones } from "../support/roomProbes";
import { sleep, waitFor } from "../support/wait";
/** Above: someone is heard (Chromium's fake microphone beeps). Below SILENT: nobody. */
const HEARD = 0.01;
const SILENT = 0.005;

describe("audio room on Janus AudioBridge (three phones; the server mixes)", function () {
  this.timeout(120000);
  let rig: RoomPhones;

  before(async function () {
    this.timeout(120000);
    rig = await startRoomPhones("audioroom", 3);
  });
  after(async () => rig?.stop());

  /** The loudest level of the mix each phone receives, over 2.5 s (after 1 s for mutes to take effect). */
  async function loudest(phones: Record<string, Softphone>): Promise<Record<string, number>> {
    await sleep(1000);
    const session = (p: Softphone) => p.rooms.publishSessionId()!;
    for (const p of Object.values(phones)) await p.media.stats(session(p)); // a level is measured since the previous reading
    await sleep(150);
    const max: Record<string, number> = Object.fromEntries(Object.keys(phones).map((k) => [k, 0]));
    for (const end = Date.now() + 2500; Date.now() < end; await sleep(150)) {
      for (const [name, p] of Object.entries(phones)) max[name] = Math.max(max[name], (await p.media.stats(session(p)))?.inboundLevel ?? 0);
    }
    return max;
  }

  it("each member hears whoever speaks, through the server's mix, and not themselves; a mute is announced to the others", async () => {
    const phones: Record<string, Softphone> = { Ann: rig.phones[0], Ben: rig.phones[1], Cid: rig.phones[2] };
    const room = await phones.Ann.rooms.create({ kind: "audio", subject: "Audio check", pin: "112233", secret: "audio-secret" });
    assert.equal((await phones.Ann.rooms.list()).find((r) => r.id === room)?.kind, "audio", "listed as an audio room");
    for (const [name, p] of Object.entries(phones)) {
      const joined = await p.rooms.join(room, { display: name, pin: "112233" });
      assert.equal(joined.kind, "audio");
      assert.deepEqual(joined.publishing, { audio: true, video: false });
    }
    await waitFor("everyone to see the other two", () => Object.values(phones).every((p) => p.rooms.view()?.others.length === 2), 10000);

    for (const speaker of Object.keys(phones)) {
      for (const [name, p] of Object.entries(phones)) p.rooms.setMuted(name !== speaker);
      const level = await loudest(phones);
      for (const [name, heard] of Object.entries(level)) {
        if (name === speaker) assert.ok(heard < SILENT, `${speaker} speaks: ${speaker} does not hear themselves (level ${heard.toFixed(4)}; all ${JSON.stringify(level)})`);
        else assert.ok(heard > HEARD, `${speaker} speaks: ${name} hears it (level ${heard.toFixed(4)}; all ${JSON.stringify(level)})`);
      }
    }
    // Muting is announced: the others see Ben muted (the server's participants update), then unmuted.
    const benId = () => phones.Ann.rooms.view()!.others.find((p) => p.display === "Ben")!.id;
    phones.Ben.rooms.setMuted(true);
    await waitFor("Ann and Cid to see Ben muted", () => [phones.Ann, phones.Cid].every((p) => p.rooms.view()?.others.find((o) => o.id === benId())?.muted === true), 10000);
    phones.Ben.rooms.setMuted(false);
    await waitFor("Ann and Cid to see Ben unmuted", () => [phones.Ann, phones.Cid].every((p) => p.rooms.view()?.others.find((o) => o.id === benId())?.muted === false), 10000);

    for (const p of Object.values(phones)) await p.rooms.leave();
    await phones.Ann.rooms.destroy(room, "audio-secret");
    assert.equal((await phones.Ann.rooms.list()).some((r) => r.id === room), false);
  });
});
