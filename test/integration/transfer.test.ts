// Integration: transfers on the real bench, three parties. Our accounts alice and bob (one host,
// one call window), baresip as a regular phone ("phone", auto-answers, records what it hears).
// After a transfer, audio must flow between transferee and target — levels in the call window
// and baresip's recording — and the transferor's leg must be gone, not only SIP states.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CallView } from "../../src/protocol/model";
import { assertAudioArrives, nextIncoming as nextIncomingAt } from "../support/callProbes";
import { baresipCallCount, PBX, wavStats } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("transfer (REFER, NOTIFY sipfrag, Replaces) with three parties on the real bench", function () {
  this.timeout(90000);
  let bench: PhoneBench;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("transfer", [benchAccount("alice", { voicemail: "sip:vm-{user}@{domain}" }), benchAccount("bob"), benchAccount("carol")], {
      transferTiming: { firstNotifyMs: 5000, finalNotifyMs: 20000 },
    });
  });
  after(async () => bench?.stop());
  afterEach(async () => {
    for (const c of bench.phone.calls.views()) if (c.state !== "cleared") await bench.phone.calls.hangup(c.id).catch(() => undefined);
    await waitFor("every call to clear", () => bench.phone.calls.views().every((c) => c.state === "cleared"), 10000);
    await waitFor("baresip to have no call", async () => (await baresipCallCount(bench.pbx)) === 0, 10000, 200);
  });

  const phone = () => bench.phone;
  const view = (id: string): CallView | undefined => phone().calls.views().find((c) => c.id === id);
  const waitState = (id: string, state: CallView["state"], ms = 15000) => waitFor(`call ${id} to reach ${state}`, () => view(id)?.state === state && view(id)!, ms);
  const nextIncoming = (accountId: string) => nextIncomingAt(phone(), accountId);
  const assertHears = (id: string, who: string) => assertAudioArrives(phone(), id, who);
  const nextTransferAccepted = () =>
    new Promise<{ replacedCallId: string; call: CallView }>((resolve) => {
      const sub = phone().calls.onTransferAccepted((e) => {
        sub.dispose();
        resolve(e);
      });
    });


  async function aliceCallsBob(): Promise<{ out: string; atBob: string }> {
    const incoming = nextIncoming("bob");
    const out = await phone().calls.dial("bob", { accountId: "alice" });
    const atBob = await incoming;
    await phone().calls.answer(atBob.id);
    await waitState(out, "incall");
    await waitState(atBob.id, "incall");
    return { out, atBob: atBob.id };
  }

  it("blind, our bob as transferee: alice transfers bob to baresip; bob and baresip talk, alice's leg is gone, her attempt reads transferred", async () => {
    const { out, atBob } = await aliceCallsBob();
    const before = bench.pbx.receivedRecordings().length;
    const accepted = nextTransferAccepted();
    const attempt = await phone().calls.transfer(out, PBX.phone);
    assert.equal(attempt.state, "transferring");
    assert.equal(attempt.kind, "blind");
    const { replacedCallId, call: newCall } = await accepted;
    assert.equal(replacedCallId, atBob, "transferAccepted names the call that moved");
    await waitState(newCall.id, "incall");
    await waitFor("alice's attempt to read transferred", () => view(out)?.transfer?.state === "transferred", 15000);
    const aliceLeg = await waitState(out, "cleared");
    assert.equal(aliceLeg.reason, "transferred");
    await waitState(atBob, "cleared");
    await assertHears(newCall.id, "bob (baresip's tone)");
    await sleep(1000);
    await phone().calls.hangup(newCall.id);
    const rec = await waitFor("baresip's recording of the transferred call", () => bench.pbx.receivedRecordings().length > before && bench.pbx.receivedRecordings().at(-1), 10000);
    await sleep(300);
    const w = wavStats(rec);
    assert.ok(w.seconds > 1.5 && w.rms > 0.01, `baresip heard bob after the transfer (rms ${w.rms.toFixed(3)} over ${w.seconds.toFixed(1)} s)`);
  });

  it("blind, baresip as transferee: alice transfers baresip to bob; bob answers and hears baresip; alice's attempt reads transferred", async () => {
    const out = await phone().calls.dial(PBX.phone, { accountId: "alice" });
    await waitState(out, "incall");
    await sleep(500);
    const ringsAtBob = nextIncoming("bob");
    const attempt = await phone().calls.transfer(out, "bob");
    assert.equal(attempt.state, "transferring");
    const atBob = await ringsAtBob;
    await phone().calls.answer(atBob.id);
    await waitState(atBob.id, "incall");
    await waitFor("alice's attempt to read transferred", () => view(out)?.transfer?.state === "transferred", 15000);
    await waitState(out, "cleared");
    await assertHears(atBob.id, "bob (baresip's tone, transferred to him)");
  });

  /** A failed attempt leaves the original call up, off hold, with audio flowing again. */
  async function assertResumed(id: string, who: string): Promise<void> {
    await waitFor(`${who}: the call off hold again`, () => view(id)?.held === false && view(id)?.state === "incall", 10000);
    await assertHears(id, `${who} after the failed transfer`);
  }

  for (const status of [403, 501] as const) {
    it(`the transferee answers the REFER with ${status}: failed with its error, the call resumed with audio`, async () => {
      const out = await phone().calls.dial(status === 403 ? PBX.sipp.refer403 : PBX.sipp.refer501, { accountId: "alice" });
      await waitState(out, "incall");
      await assertHears(out, "alice (sipp's tone)");
      await phone().calls.transfer(out, "bob");
      const failed = await waitFor("the attempt to fail", () => view(out)?.transfer?.state === "failed" && view(out)!.transfer!, 10000);
      assert.match(failed.error ?? "", new RegExp(`refused the transfer \\(REFER ${status}`), failed.error);
      await assertResumed(out, "alice");
    });
  }

  it("the target is busy (sipp 486): failed with 'target busy', the call resumed with audio both ways", async () => {
    const { out, atBob } = await aliceCallsBob();
    await phone().calls.transfer(out, PBX.sipp.busy);
    const failed = await waitFor("the attempt to fail", () => view(out)?.transfer?.state === "failed" && view(out)!.transfer!, 15000);
    assert.match(failed.error ?? "", /target busy \(486/, failed.error);
    await assertResumed(out, "alice");
    await assertHears(atBob, "bob, whose call to the busy target failed");
    assert.equal(view(atBob)?.state, "incall", "bob's original call is still up");
  });

  it("no answer within the limit (disableForwardingAndUnanswered): failed with 'no answer', the call resumed with audio", async () => {
    const { out, atBob } = await aliceCallsBob();
    const ringsAtCarol = nextIncoming("carol");
    await phone().calls.transfer(out, "carol", { noAnswerTimeoutMs: 2000 });
    await ringsAtCarol; // carol rings and nobody answers
    const failed = await waitFor("the attempt to fail", () => view(out)?.transfer?.state === "failed" && view(out)!.transfer!, 10000);
    assert.match(failed.error ?? "", /no answer from the target within 2 s/, failed.error);
    await assertResumed(out, "alice");
    assert.equal(view(atBob)?.state, "incall");
  });

  /** alice calls `to` (ours) for a consultation while her first call waits on hold. */
  async function consult(first: string, to: "bob" | "carol"): Promise<{ consultation: string; atTarget: string }> {
    await phone().calls.setHeld(first, true);
    const incoming = nextIncoming(to);
    const consultation = await phone().calls.dial(to, { accountId: "alice" });
    const atTarget = await incoming;
    await phone().calls.answer(atTarget.id);
    await waitState(consultation, "incall");
    await waitState(atTarget.id, "incall");
    return { consultation, atTarget: atTarget.id };
  }

  // baresip 1.0 follows the REFER with the Refer-To's Replaces left in its Request-URI (and its
  // escaped ';' and '=' turned into '?'), not as a Replaces header: the bench's Kamailio makes
  // that the header, as an SBC in front of such a phone would (scripts/pbx/conf/kamailio.cfg).
  // One more attempt (afterEach hangs up what the first left): the same unexplained intermittent
  // as the UI attended transfer — bob's replacing call sometimes gets no media answer from the
  // call window, so baresip never sends its final NOTIFY. A second failure fails the test.
  it("attended, baresip as transferee, our bob as target: bob's consultation is replaced without ringing, baresip and bob talk, both of alice's calls end", async function () {
    this.retries(1);
    const first = await phone().calls.dial(PBX.phone, { accountId: "alice" });
    await waitState(first, "incall");
    const { consultation, atTarget } = await consult(first, "bob");
    const replaced = nextTransferAccepted();
    let rang = false;
    const ringWatch = phone().calls.onIncoming((c) => (rang ||= c.accountId === "bob"));
    try {
      const attempt = await phone().calls.transfer(first, { callId: consultation });
      assert.equal(attempt.kind, "attended");
      assert.equal(attempt.targetCallId, consultation);
      const { replacedCallId, call: atBob } = await replaced;
      assert.equal(replacedCallId, atTarget, "the new call replaces bob's consultation call");
      await waitState(atBob.id, "incall");
      assert.equal(rang, false, "the replacing call did not ring at bob");
      await waitFor("alice's attempt to read transferred", () => view(first)?.transfer?.state === "transferred", 15000);
      assert.equal((await waitState(first, "cleared")).reason, "transferred");
      await waitState(consultation, "cleared");
      await waitState(atTarget, "cleared");
      await assertHears(atBob.id, "bob (baresip, transferred to him)");
    } finally {
      ringWatch.dispose();
    }
  });

  it("attended between three of our parties: bob (transferee) calls carol with Replaces; bob and carol talk, alice's calls end", async () => {
    const { out, atBob } = await aliceCallsBob();
    const { consultation, atTarget } = await consult(out, "carol");
    const accepted: Array<{ replacedCallId: string; call: CallView }> = [];
    const sub = phone().calls.onTransferAccepted((e) => accepted.push(e));
    try {
      await phone().calls.transfer(out, { callId: consultation });
      await waitFor("alice's attempt to read transferred", () => view(out)?.transfer?.state === "transferred", 15000);
      await waitFor("bob's new call and carol's replacing call", () => accepted.length === 2, 10000);
      const bobsNew = accepted.find((e) => e.replacedCallId === atBob)!.call;
      const carolsNew = accepted.find((e) => e.replacedCallId === atTarget)!.call;
      assert.ok(bobsNew && carolsNew, JSON.stringify(accepted.map((e) => e.replacedCallId)));
      for (const id of [out, consultation, atBob, atTarget]) await waitState(id, "cleared");
      await assertHears(bobsNew.id, "bob (carol)");
      await assertHears(carolsNew.id, "carol (bob)");
    } finally {
      sub.dispose();
    }
  });

  it("to voicemail: alice sends bob to carol's voicemail (the account's pattern); the voicemail stand-in records bob", async () => {
    const { out, atBob } = await aliceCallsBob();
    const before = bench.pbx.receivedRecordings().length;
    const accepted = nextTransferAccepted();
    const attempt = await phone().calls.transfer(out, { voicemailOf: "carol" });
    assert.equal(attempt.kind, "voicemail");
    assert.equal(attempt.target, `sip:vm-carol@${PBX.domain}`);
    const { call: toVoicemail } = await accepted;
    await waitState(toVoicemail.id, "incall");
    await waitFor("alice's attempt to read transferred", () => view(out)?.transfer?.state === "transferred", 15000);
    await waitState(atBob, "cleared");
    await sleep(2500);
    await phone().calls.hangup(toVoicemail.id);
    const rec = await waitFor("the voicemail recording", () => bench.pbx.receivedRecordings().length > before && bench.pbx.receivedRecordings().at(-1), 10000);
    await sleep(300);
    const w = wavStats(rec);
    assert.ok(w.seconds > 1.5 && w.rms > 0.01, `the voicemail box recorded bob (rms ${w.rms.toFixed(3)} over ${w.seconds.toFixed(1)} s)`);
  });

  it("a REFER from a party we are not in a call with is refused, and places no call", async () => {
    const toMallory = () => phone().calls.views().filter((c) => /vm-mallory/.test(c.remote.uri)).length;
    const { stdout } = await promisify(execFile)("sipp", [
      "-sf", join(bench.pbx.runDir, "conf/sipp/uac-refer-outside.xml"), "-s", "alice", "-m", "1",
      "-i", "127.0.0.1", "-p", "5092", "-nostdin", "-timeout", "10", "-trace_msg", "-message_file", join(bench.runDir, "refer-outside.log"), "127.0.0.1:5060",
    ], { cwd: bench.runDir });
    assert.match(stdout, /Successful call\s+\|\s+0\s+\|\s+1/, "sipp got a refusal (4xx/5xx) for its REFER");
    await sleep(1000);
    assert.equal(toMallory(), 0, "no call was placed to the REFER's target");
  });
});
