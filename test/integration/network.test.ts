// Integration: calls that survive the network (hardening issue, section 2). Kamailio restarted
// mid-call drops our SIP WebSocket; the media path (rtpengine) stays. The account reconnects by
// itself; the call must go on — its audio still flowing both ways — and must still be reachable
// by the far end: baresip's BYE after the reconnect ends our call. Kamailio reaches a WebSocket
// client through the connection named in its Contact (add_contact_alias), so after a reconnect
// the far end only reaches us once our call has told it the new one (re-INVITE from the new
// connection; Kamailio's restart also lost every registration and connection it knew).
import assert from "node:assert/strict";
import { assertAudioArrives, waitCallState } from "../support/callProbes";
import { PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("calls that survive the network: Kamailio restarted mid-call", function () {
  this.timeout(120000);
  let bench: PhoneBench;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("network", [benchAccount("alice")], { retryDelay: () => 500 });
  });
  after(async () => bench?.stop());

  it("the call's audio goes on through the restart, the account registers again, and a BYE from the far end afterwards ends our call", async () => {
    const { phone, pbx } = bench;
    const id = await phone.calls.dial(PBX.phone);
    await waitCallState(phone, id, "incall");
    await assertAudioArrives(phone, id, "alice before the restart");

    await pbx.stopKamailio();
    await waitFor("alice to lose her connection", () => phone.getState().accounts.find((a) => a.id === "alice")?.state === "failed", 10000);
    await sleep(1000);
    await pbx.startKamailio({ keepBaresipCalls: true }); // the far end keeps its call (see kamailio.sh)
    await waitFor("alice registered again", () => phone.getState().accounts.find((a) => a.id === "alice")?.state === "registered", 20000, 100);

    assert.equal(phone.calls.get(id)?.state, "incall", "the call is still up");
    await assertAudioArrives(phone, id, "alice after the restart");
    const heard = await pbx.baresip("listcalls");
    assert.match(heard, /phone|alice|sip:/i, `baresip still has the call (${heard.trim()})`);

    // Give our call time to tell the far end where it is now, then the far end hangs up.
    await sleep(2000);
    await pbx.baresip("hangup");
    const cleared = await waitFor("our call to end by the far end's BYE", () => phone.calls.get(id)?.state === "cleared" && phone.calls.get(id)!, 10000, 100).catch(() => undefined);
    assert.ok(cleared, `baresip's BYE after the reconnect reached us (our call is ${phone.calls.get(id)?.state})`);
    assert.equal(cleared.reason, "ended-remote");
  });
});
