// Integration: the rooms server records a room. Two phones in a video room: the one who created
// it (and holds its secret) starts recording, and both see it (the other through the room's
// listing); Janus writes one file per publisher and medium, which grow while it records; stopping
// is seen by both. In an audio room the server records the mix as one WAV file, which holds
// sound (Chromium's fake microphones beep), not silence. Files are in the bench's Janus working
// directory (RUN_DIR/janus-rec, see scripts/pbx/janus.sh).
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { wavStats } from "../support/pbx";
import { startRoomPhones, type RoomPhones } from "../support/roomProbes";
import { sleep, waitFor } from "../support/wait";

describe("room recording on Janus (two phones)", function () {
  this.timeout(120000);
  let rig: RoomPhones;
  const recDir = () => join(rig.bench.pbx.runDir, "janus-rec");
  const files = (room: number) => readdirSync(recDir()).filter((f) => f.includes(String(room))).map((f) => join(recDir(), f));

  before(async function () {
    this.timeout(120000);
    rig = await startRoomPhones("roomrec", 2);
  });
  after(async () => rig?.stop());

  it("a video room: started by its creator, seen by both; one growing file per publisher and medium; stopped, seen by both", async () => {
    const [ann, ben] = rig.phones;
    const room = await ann.rooms.create({ subject: "Recorded", secret: "rec-secret" });
    await ann.rooms.join(room, { display: "Ann", video: true });
    await ben.rooms.join(room, { display: "Ben", video: true });
    await waitFor("both to publish", () => ann.rooms.view()?.others.some((o) => o.publishing) && ben.rooms.view()?.others.some((o) => o.publishing), 15000);
    await assert.rejects(ann.rooms.setRecording("wrong", true), /wrong secret/);
    await ann.rooms.setRecording("rec-secret", true);
    assert.equal(ann.rooms.view()?.recording, true);
    await waitFor("Ben to see the room recorded", () => ben.rooms.view()?.recording === true, 10000);
    await sleep(3000);
    // While it records, Janus writes to "….mjr.tmp" and renames the file to "….mjr" when it closes it.
    const recorded = files(room).filter((f) => /\.mjr(\.tmp)?$/.test(f));
    assert.ok(recorded.length >= 4, `a file per publisher and medium (${recorded.map((f) => f.split("/").at(-1)).join(", ")})`);
    const sizes = () => recorded.map((f) => statSync(f).size);
    // Janus starts a video file at a keyframe of the layer it records, which a publisher that
    // joined last may still be ramping up to (its bandwidth estimate grows over seconds): each
    // file must be growing, read a second apart, within 20 s of the recording starting.
    let last = sizes();
    let seen = "";
    await waitFor("every file to grow while recording", async () => {
      await sleep(1000);
      const now = sizes();
      seen = `${last.join(",")} → ${now.join(",")}`;
      const growing = now.every((size, i) => size > last[i] && size > 1000);
      last = now;
      return growing;
    }, 20000, 0).catch((err) => {
      throw new Error(`${(err as Error).message}: ${seen}`);
    });
    await ann.rooms.setRecording("rec-secret", false);
    await waitFor("Ben to see the recording stop", () => ben.rooms.view()?.recording !== true, 10000);
    const closed = await waitFor("the files closed as .mjr", () => (files(room).filter((f) => f.endsWith(".mjr")).length >= 4 ? files(room) : undefined), 10000, 200);
    assert.ok(closed.every((f) => statSync(f).size > 1000), "each closed file holds what was recorded");
    for (const p of rig.phones) await p.rooms.leave();
    await ann.rooms.destroy(room, "rec-secret");
  });

  it("an audio room: the server records the mix as one WAV file that holds sound", async () => {
    const [ann, ben] = rig.phones;
    const room = await ann.rooms.create({ kind: "audio", subject: "Recorded mix", secret: "mix-secret" });
    await ann.rooms.join(room, { display: "Ann" });
    await ben.rooms.join(room, { display: "Ben" });
    await ann.rooms.setRecording("mix-secret", true);
    await waitFor("Ben to see the room recorded", () => ben.rooms.view()?.recording === true, 10000);
    await sleep(4000);
    await ann.rooms.setRecording("mix-secret", false);
    const wav = await waitFor("the mix's WAV file", () => files(room).find((f) => f.endsWith(".wav") && statSync(f).size > 40000), 10000, 200);
    await sleep(500);
    const stats = wavStats(wav);
    assert.ok(stats.seconds > 2, `the recording lasts (${stats.seconds.toFixed(1)} s)`);
    assert.ok(stats.peak > 0.05 && stats.rms > 0.002, `it holds sound, not silence (rms ${stats.rms.toFixed(4)}, peak ${stats.peak.toFixed(3)})`);
    for (const p of rig.phones) await p.rooms.leave();
    await ann.rooms.destroy(room, "mix-secret");
  });
});
