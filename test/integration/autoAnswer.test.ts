// Integration: auto-answer per account and "ask before following a transfer", on the real bench.
// Callers are outside this phone (baresip, sipp): a call of this phone's own accounts in progress
// holds auto-answer back, as any call in progress does. bob answers every call by himself after a second; alice only calls that carry an answer-after
// hint (sipp sends one, as an intercom or a paging PBX would); carol has no auto-answer, so a
// hint does nothing there. With softphone.transfer.askFirst on, the other party's REFER waits for
// the user's decision (the VS Code notification is a MOCK here: confirmTransfer is the function
// the extension passes, and this test answers it).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { assertAudioArrives, callView, nextIncoming, waitCallState } from "../support/callProbes";
import { PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("auto-answer and asking before a transfer (alice: hinted, bob: always after 1 s, carol: off)", function () {
  this.timeout(90000);
  let bench: PhoneBench;
  /** What the user answers to the next transfer questions (MOCK of the notification), and what was asked. */
  const decisions: boolean[] = [];
  const asked: Array<{ from: string; to: string }> = [];

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench(
      "autoanswer",
      [benchAccount("alice", { autoAnswer: "hinted" }), benchAccount("bob", { autoAnswer: "always", autoAnswerDelaySeconds: 1 }), benchAccount("carol")],
      {
        settings: () => ({ sipTrace: false, dtmfMode: "rfc4733", askBeforeTransfer: true }),
        confirmTransfer: async (request) => {
          asked.push({ from: request.from.uri, to: request.to.uri });
          return decisions.shift() ?? false;
        },
      },
    );
  });
  after(async () => bench?.stop());
  afterEach(async () => {
    for (const c of bench.phone.calls.views()) if (c.state !== "cleared") await bench.phone.calls.hangup(c.id).catch(() => undefined);
    await waitFor("every call to clear", () => bench.phone.calls.views().every((c) => c.state === "cleared"), 10000);
  });

  const phone = () => bench.phone;

  /** sipp calls `user` with `header` (one header line) and hangs up 2 s after an answer; resolves with its stdout. */
  function sippCalls(user: string, header: string, port: number): Promise<string> {
    return promisify(execFile)("sipp", [
      "-sf", join(bench.pbx.runDir, "conf/sipp/uac-answer-after.xml"), "-s", user, "-key", "hint", header, "-m", "1",
      "-i", "127.0.0.1", "-p", String(port), "-mi", "127.0.0.1", "-mp", String(port + 1000), "-nostdin", "-timeout", "20",
      "-trace_err", "-error_file", join(bench.runDir, `sipp-${port}.err`), "127.0.0.1:5060",
    ], { cwd: bench.runDir }).then((r) => r.stdout);
  }

  /** The call rings at `user` for 2 s without being answered; then the test declines it. */
  async function ringsUnanswered(user: string, header: string, port: number): Promise<void> {
    const rings = nextIncoming(phone(), user);
    const sipp = sippCalls(user, header, port);
    const call = await rings;
    await sleep(2000);
    assert.equal(callView(phone(), call.id)?.state, "ringing", `${user}'s call still rings: not answered by itself`);
    await phone().calls.decline(call.id);
    await sipp;
  }

  it("always: a call from baresip (a regular phone) is answered by bob's phone itself after the account's delay, with audio", async () => {
    const rings = nextIncoming(phone(), "bob");
    await bench.pbx.baresip("dial", `sip:bob@${PBX.domain}`);
    const atBob = await rings;
    const rangAt = Date.now();
    const answered = await waitCallState(phone(), atBob.id, "incall", 10000);
    assert.ok(answered.answeredAt! - rangAt >= 800, `answered after the 1 s delay (${answered.answeredAt! - rangAt} ms)`);
    await assertAudioArrives(phone(), atBob.id, "bob (baresip's tone)");
  });

  it("hinted: a call with Call-Info answer-after=0 is answered at once; one without a hint rings", async () => {
    const rings = nextIncoming(phone(), "alice");
    const sipp = sippCalls("alice", "Call-Info: <sip:127.0.0.1>;answer-after=0", 5095);
    const call = await rings;
    await waitCallState(phone(), call.id, "incall", 5000);
    assert.match(await sipp, /Successful call\s+\|\s+\d+\s+\|\s+1/, "sipp's call was answered and hung up normally");
    const cleared = await waitCallState(phone(), call.id, "cleared");
    assert.equal(cleared.reason, "ended-remote");
    await ringsUnanswered("alice", "Subject: no hint here", 5097);
  });

  it("Polycom's Alert-Info hint works too; on an account without auto-answer a hint is ignored", async () => {
    const rings = nextIncoming(phone(), "alice");
    const sipp = sippCalls("alice", "Alert-Info: <http://www.notused.com>;info=alert-autoanswer;delay=0", 5099);
    const call = await rings;
    await waitCallState(phone(), call.id, "incall", 5000);
    await sipp;
    await ringsUnanswered("carol", "Call-Info: <sip:127.0.0.1>;answer-after=0", 5101);
  });

  it("not during another call: a hinted call to bob while he talks rings (call waiting) instead of cutting in", async () => {
    const rings = nextIncoming(phone(), "bob");
    await bench.pbx.baresip("dial", `sip:bob@${PBX.domain}`);
    await waitCallState(phone(), (await rings).id, "incall", 10000);
    await ringsUnanswered("bob", "Call-Info: <sip:127.0.0.1>;answer-after=0", 5103);
  });

  it("ask first: a refused transfer is answered 603 and the call goes on; an accepted one is followed", async () => {
    // alice's own call is in progress on this phone, so bob's auto-answer holds back: answered here.
    const rings = nextIncoming(phone(), "bob");
    const out = await phone().calls.dial("bob", { accountId: "alice" });
    const atBob = (await rings).id;
    await phone().calls.answer(atBob, { holdOthers: false });
    await waitCallState(phone(), out, "incall", 10000);

    decisions.push(false);
    await phone().calls.transfer(out, "carol");
    const refused = await waitFor("alice's attempt to fail", () => (callView(phone(), out)?.transfer?.state === "failed" ? callView(phone(), out)!.transfer! : undefined), 15000);
    assert.deepEqual(asked.at(-1), { from: "sip:alice@127.0.0.1", to: "sip:carol@127.0.0.1" }, "bob's user was asked, naming both parties");
    assert.match(refused.error ?? "", /603|declin|refus/i);
    assert.equal(callView(phone(), atBob)?.state, "incall", "bob's call goes on");
    await waitFor("alice's call to be resumed", () => callView(phone(), out)?.held === false, 10000);
    await assertAudioArrives(phone(), atBob, "bob (alice, after refusing the transfer)");

    decisions.push(true);
    const ringsAtCarol = nextIncoming(phone(), "carol");
    await phone().calls.transfer(out, "carol");
    const atCarol = await ringsAtCarol;
    await phone().calls.answer(atCarol.id, { holdOthers: false });
    await waitFor("alice's attempt to read transferred", () => callView(phone(), out)?.transfer?.state === "transferred", 15000);
    await waitCallState(phone(), atBob, "cleared");
    await assertAudioArrives(phone(), atCarol.id, "carol (bob, transferred after accepting)");
  });
});
