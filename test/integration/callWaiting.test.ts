// Integration: call waiting, swap and do-not-disturb on the real bench. alice talks to baresip
// when bob (another of our accounts) calls her: the second call rings softly; answering it puts
// the first on hold (its inbound audio stops), swapping brings the first back and holds the
// second; declining a waiting call says busy (486). With do-not-disturb on, calls get 486 at
// once and are listed as missed.
import assert from "node:assert/strict";
import type { CallView } from "../../src/protocol/model";
import { assertAudioArrives, callView, mediaStats, nextIncoming, waitCallState } from "../support/callProbes";
import { PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("call waiting, swap and do not disturb (alice with baresip, then bob calls)", function () {
  this.timeout(90000);
  let bench: PhoneBench;
  let doNotDisturb = false;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("waiting", [benchAccount("alice"), benchAccount("bob")], {
      settings: () => ({ sipTrace: false, dtmfMode: "rfc4733", doNotDisturb }),
    });
  });
  after(async () => bench?.stop());
  afterEach(async () => {
    doNotDisturb = false;
    for (const c of bench.phone.calls.views()) if (c.state !== "cleared") await bench.phone.calls.hangup(c.id).catch(() => undefined);
    await waitFor("every call to clear", () => bench.phone.calls.views().every((c) => c.state === "cleared"), 10000);
  });

  const phone = () => bench.phone;
  const tone = () => bench.pages.at(-1)!.evaluate(() => (globalThis as any).softphoneCallWindow.tone());
  /** No audio reaches `id` over 1 s (after 0.5 s for a re-INVITE to take effect). */
  async function assertSilent(id: string, who: string): Promise<void> {
    await sleep(500);
    const p1 = (await mediaStats(phone(), id)).packetsReceived;
    await sleep(1000);
    const p2 = (await mediaStats(phone(), id)).packetsReceived;
    assert.ok(p2 - p1 < 5, `${who}: no audio while on hold (${p2 - p1} packets in 1 s)`);
  }

  /** alice with baresip, then bob calls alice: the waiting call at alice and bob's own leg. */
  async function waitingCall(): Promise<{ first: string; waiting: CallView; bobLeg: string }> {
    const first = await phone().calls.dial(PBX.phone, { accountId: "alice" });
    await waitCallState(phone(), first, "incall");
    const ringsAtAlice = nextIncoming(phone(), "alice");
    const bobLeg = await phone().calls.dial("alice", { accountId: "bob" });
    const waiting = await ringsAtAlice;
    await waitCallState(phone(), waiting.id, "ringing");
    return { first, waiting, bobLeg };
  }

  it("a second call rings softly during a call; answering it holds the first (its audio stops); swapping brings the first back", async () => {
    const { first, waiting } = await waitingCall();
    await waitFor("the call-waiting tone", async () => (await tone()) === "waiting", 5000, 100);
    assert.equal(callView(phone(), first)?.held, false, "the first call is untouched while the second rings");
    await phone().calls.answer(waiting.id);
    await waitCallState(phone(), waiting.id, "incall");
    assert.equal(callView(phone(), first)?.held, true, "answering the waiting call put the first on hold");
    await assertSilent(first, "alice's call with baresip");
    await assertAudioArrives(phone(), waiting.id, "alice (bob, the answered waiting call)");
    assert.equal(await tone(), null, "no tone once answered");

    await phone().calls.setHeld(first, false); // swap
    await waitFor("the swap", () => callView(phone(), waiting.id)?.held === true && callView(phone(), first)?.held === false, 10000);
    await assertAudioArrives(phone(), first, "alice (baresip again, after the swap)");
    await assertSilent(waiting.id, "alice's call with bob, now on hold");
  });

  it("a party we hold does not hear us (nothing is sent while held), and does again once resumed", async () => {
    const ringsAtBob = nextIncoming(phone(), "bob");
    const out = await phone().calls.dial("bob", { accountId: "alice" });
    const atBob = await ringsAtBob;
    await phone().calls.answer(atBob.id, { holdOthers: false });
    await waitCallState(phone(), out, "incall");
    await assertAudioArrives(phone(), atBob.id, "bob (alice, before the hold)");
    await phone().calls.setHeld(out, true);
    await assertSilent(atBob.id, "bob, whom alice holds");
    // Not exclusive: bob's own leg of this call is also one of this phone's calls in progress.
    await phone().calls.setHeld(out, false, { exclusive: false });
    await assertAudioArrives(phone(), atBob.id, "bob (alice, after the resume)");
  });

  it("both ends of one call hold and resume back to back and at once (a re-INVITE crossing another is retried, not lost)", async () => {
    const { waiting, bobLeg } = await waitingCall();
    await phone().calls.answer(waiting.id);
    await waitCallState(phone(), bobLeg, "incall");
    const held = (id: string) => callView(phone(), id)?.held;
    for (let round = 1; round <= 3; round++) {
      // Back to back: alice's re-INVITE goes out while bob's is still being acknowledged.
      await phone().calls.setHeld(bobLeg, true);
      await phone().calls.setHeld(waiting.id, true);
      assert.deepEqual([held(bobLeg), held(waiting.id)], [true, true], `round ${round}: both ends held`);
      // At once: the two re-INVITEs cross (glare, 491) and are sent again.
      await Promise.all([phone().calls.setHeld(bobLeg, false, { exclusive: false }), phone().calls.setHeld(waiting.id, false, { exclusive: false })]);
      assert.deepEqual([held(bobLeg), held(waiting.id)], [false, false], `round ${round}: both ends resumed`);
    }
    await assertAudioArrives(phone(), waiting.id, "alice (bob, after the crossing re-INVITEs)");
    await assertAudioArrives(phone(), bobLeg, "bob (alice, after the crossing re-INVITEs)");
  });

  it("declining a waiting call tells the caller busy (486); the call in progress goes on", async () => {
    const { first, waiting, bobLeg } = await waitingCall();
    await phone().calls.decline(waiting.id);
    const atBob = await waitCallState(phone(), bobLeg, "cleared");
    assert.equal(atBob.status, 486);
    assert.equal(atBob.reason, "busy");
    assert.equal(callView(phone(), first)?.state, "incall");
    await assertAudioArrives(phone(), first, "alice (baresip, the call in progress)");
  });

  it("do not disturb: a call gets 486 at once, never rings, and is listed as missed", async () => {
    doNotDisturb = true;
    let rang = false;
    const sub = phone().calls.onIncoming((c) => (rang ||= c.accountId === "alice"));
    try {
      const out = await phone().calls.dial("alice", { accountId: "bob" });
      const atBob = await waitCallState(phone(), out, "cleared");
      assert.equal(atBob.status, 486);
      assert.equal(rang, false, "alice's phone did not ring");
      const missed = await waitFor("the missed call in alice's history", async () =>
        (await phone().history.list(10)).find((e) => e.accountId === "alice" && e.direction === "incoming" && e.outcome === "missed" && e.status === 486),
      );
      assert.match(missed.remote.uri, /^sip:bob@/);
    } finally {
      sub.dispose();
    }
  });
});
