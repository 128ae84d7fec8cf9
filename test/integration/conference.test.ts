// Integration: a local three-way conference on the real bench. alice (this phone) calls bob and
// carol (two more of our accounts, in the same call window) and merges the calls; the call window
// mixes them. Each party's microphone is switched on in turn (the others muted) and every
// party's inbound level is read: whoever listens hears the speaker, directly or through alice's
// mix, and the speaker hears nobody (no echo of themselves). Split holds the other leg; a leg
// that hangs up leaves an ordinary call.
import assert from "node:assert/strict";
import { callView, mediaStats, nextIncoming, waitCallState } from "../support/callProbes";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

/** Above: someone is heard (Chromium's fake microphone beeps at about 0.03–0.3). Below SILENT: nobody. */
const HEARD = 0.01;
const SILENT = 0.005;

describe("local three-way conference (alice calls bob and carol, then merges)", function () {
  this.timeout(120000);
  let bench: PhoneBench;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("conference", [benchAccount("alice"), benchAccount("bob"), benchAccount("carol")]);
  });
  after(async () => bench?.stop());

  const phone = () => bench.phone;

  /** alice calls `user`; the callee answers without holding this phone's other calls. */
  async function aliceCalls(user: "bob" | "carol"): Promise<{ out: string; far: string }> {
    const rings = nextIncoming(phone(), user);
    const out = await phone().calls.dial(user, { accountId: "alice" });
    const far = (await rings).id;
    await phone().calls.answer(far, { holdOthers: false });
    await waitCallState(phone(), out, "incall");
    return { out, far };
  }

  /** The loudest inbound level of each call over 2.5 s (after 0.7 s for a mute to take effect). */
  async function loudest(ids: Record<string, string>): Promise<Record<string, number>> {
    await sleep(700);
    // A level is measured since the previous reading, which may reach back before the mute.
    for (const id of Object.values(ids)) await mediaStats(phone(), id);
    await sleep(150);
    const max: Record<string, number> = Object.fromEntries(Object.keys(ids).map((k) => [k, 0]));
    for (const end = Date.now() + 2500; Date.now() < end; await sleep(150)) {
      for (const [name, id] of Object.entries(ids)) max[name] = Math.max(max[name], (await mediaStats(phone(), id)).inboundLevel);
    }
    return max;
  }

  it("each party hears the other two (directly or through the mix) and not themselves; split holds the other leg; a leg that hangs up leaves an ordinary call", async () => {
    const toBob = await aliceCalls("bob");
    const toCarol = await aliceCalls("carol");
    await phone().calls.setConference(toBob.out, true, [toCarol.out]);
    for (const id of [toBob.out, toCarol.out]) {
      assert.equal(callView(phone(), id)?.conference, true, "both of alice's calls are in the conference");
      assert.equal(callView(phone(), id)?.held, false, "and neither is on hold");
    }
    await waitFor("the call window to mix both calls", async () =>
      ((await bench.pages.at(-1)!.evaluate(() => (globalThis as any).softphoneCallWindow.conferenceMembers())) as string[]).length === 2,
    );

    // What each party receives: alice from bob and from carol (her two calls), bob and carol from alice.
    const inbound = { "alice from bob": toBob.out, "alice from carol": toCarol.out, bob: toBob.far, carol: toCarol.far };
    const hears: Record<string, Array<keyof typeof inbound>> = {
      alice: ["bob", "carol"],
      bob: ["alice from bob", "carol"],
      carol: ["alice from carol", "bob"],
    };
    const own: Record<string, Array<keyof typeof inbound>> = {
      alice: ["alice from bob", "alice from carol"],
      bob: ["bob"],
      carol: ["carol"],
    };
    for (const speaker of ["bob", "carol", "alice"]) {
      phone().calls.setMuted(toBob.out, speaker !== "alice"); // alice's mute covers both her legs
      phone().calls.setMuted(toBob.far, speaker !== "bob");
      phone().calls.setMuted(toCarol.far, speaker !== "carol");
      const level = await loudest(inbound);
      for (const listener of hears[speaker]) assert.ok(level[listener] > HEARD, `${speaker} speaks: ${listener} hears it (level ${level[listener].toFixed(4)}; all: ${JSON.stringify(level)})`);
      for (const self of own[speaker]) assert.ok(level[self] < SILENT, `${speaker} speaks: ${self} hears nobody (level ${level[self].toFixed(4)}; all: ${JSON.stringify(level)})`);
    }

    // Split, alice keeps talking with bob: carol is held, and no longer hears bob through alice.
    await phone().calls.setConference(toBob.out, false);
    assert.equal(callView(phone(), toCarol.out)?.held, true, "the other leg is on hold after the split");
    assert.equal(callView(phone(), toBob.out)?.conference, undefined);
    phone().calls.setMuted(toBob.out, true);
    phone().calls.setMuted(toBob.far, false);
    const split = await loudest({ "alice from bob": toBob.out, carol: toCarol.far });
    assert.ok(split["alice from bob"] > HEARD, `after the split alice still hears bob (${split["alice from bob"]})`);
    assert.ok(split.carol < SILENT, `after the split carol does not hear bob (${split.carol})`);

    // Merge again, then carol hangs up: alice and bob go on as an ordinary call.
    await phone().calls.setConference(toBob.out, true, [toCarol.out]);
    assert.equal(callView(phone(), toCarol.out)?.held, false, "merging resumed the held leg");
    await phone().calls.hangup(toCarol.far);
    await waitCallState(phone(), toCarol.out, "cleared");
    await waitFor("bob's call to leave the conference", () => callView(phone(), toBob.out)?.conference === undefined);
    phone().calls.setMuted(toBob.out, false);
    phone().calls.setMuted(toBob.far, true);
    const after = await loudest({ bob: toBob.far });
    const senders = await bench.pages.at(-1)!.evaluate((id) => {
      const s = (globalThis as any).softphoneCallWindow.sessions.get(id);
      return s?.pc.getTransceivers().map((t: any) => `${t.direction}/${t.currentDirection} sends ${t.sender.track ? `${t.sender.track.label || t.sender.track.id} enabled=${t.sender.track.enabled}` : "nothing"}`);
    }, toBob.out);
    assert.ok(after.bob > HEARD, `bob still hears alice once carol left (${after.bob}; alice's call: ${JSON.stringify(callView(phone(), toBob.out))}; senders ${JSON.stringify(senders)})`);
    await phone().calls.hangup(toBob.out);
  });
});
