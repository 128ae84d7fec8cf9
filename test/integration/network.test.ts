// Integration: calls that survive the network (hardening issue, section 2). Kamailio restarted
// mid-call drops our SIP WebSocket; the media path (rtpengine) stays. The account reconnects by
// itself; the call must go on — its audio still flowing both ways — and must still be reachable
// by the far end: baresip's BYE after the reconnect ends our call. Kamailio reaches a WebSocket
// client through the connection named in its Contact (add_contact_alias), so after a reconnect
// the far end only reaches us once our call has told it the new one (re-INVITE from the new
// connection; Kamailio's restart also lost every registration and connection it knew). And the
// media path cut for longer than ICE's consent lasts: ICE fails, and only an ICE restart
// (re-INVITE with new ICE credentials) brings the audio back once the path returns.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { assertAudioArrives, waitCallState } from "../support/callProbes";
import { baresipCallCount, PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

const run = promisify(execFile);

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
    assert.equal(await baresipCallCount(pbx), 1, "baresip still has the call");

    // Give our call time to tell the far end where it is now, then the far end hangs up.
    await sleep(2000);
    await pbx.baresip("hangup");
    const cleared = await waitFor("our call to end by the far end's BYE", () => phone.calls.get(id)?.state === "cleared" && phone.calls.get(id)!, 10000, 100).catch(() => undefined);
    assert.ok(cleared, `baresip's BYE after the reconnect reached us (our call is ${phone.calls.get(id)?.state})`);
    assert.equal(cleared.reason, "ended-remote");
  });
});

describe("calls that survive the network: the media path lost for longer than ICE waits", function () {
  this.timeout(150000);
  let bench: PhoneBench;
  // Every UDP packet to or from rtpengine's media ports, dropped inside the test's own network
  // namespace (scripts/netns.sh): the call window's ICE sees its path go, while SIP (TCP) stays.
  const RTPENGINE_PORTS = "30000:30199";
  const CUT = [
    ["OUTPUT", "-p", "udp", "--sport", RTPENGINE_PORTS, "-j", "DROP"],
    ["OUTPUT", "-p", "udp", "--dport", RTPENGINE_PORTS, "-j", "DROP"],
  ];
  const iptables = (args: string[]) => run("iptables", args);

  before(async function () {
    this.timeout(120000);
    if (process.env.SOFTPHONE_IN_NETNS !== "1") throw new Error("this suite cuts the media path with iptables and must run in its own network namespace: run it through scripts/netns.sh (npm test does)");
    bench = await startPhoneBench("ice-restart", [benchAccount("alice")]);
  });
  after(async () => {
    for (const rule of CUT) await iptables(["-D", ...rule]).catch(() => undefined);
    await bench?.stop();
  });

  it("the media path cut for 40 s (past consent expiry): no audio meanwhile; once it is back, ICE restarts bring the audio back within 3 s", async () => {
    const { phone } = bench;
    const id = await phone.calls.dial(PBX.phone);
    await waitCallState(phone, id, "incall");
    await assertAudioArrives(phone, id, "alice before the cut");
    for (const rule of CUT) await iptables(["-A", ...rule]);
    const cutAt = Date.now();
    await sleep(5000);
    const during = await phone.media.stats(id);
    await sleep(Math.max(0, 40000 - (Date.now() - cutAt)));
    const before = await phone.media.stats(id);
    assert.equal(before?.packetsReceived, during?.packetsReceived, "no audio arrives while the path is cut");
    assert.notEqual(before?.iceState, "connected", "ICE has no path while cut");
    for (const rule of CUT) await iptables(["-D", ...rule]);
    const restoredAt = Date.now();
    await waitFor("audio packets to arrive again", async () => ((await phone.media.stats(id))?.packetsReceived ?? 0) > before!.packetsReceived + 20, 10000, 100).catch(async () => {
      throw new Error(`no audio since the path came back (ICE ${(await phone.media.stats(id))?.iceState}, packets ${before!.packetsReceived} → ${(await phone.media.stats(id))?.packetsReceived})`);
    });
    const back = Date.now() - restoredAt;
    console.log(`      media back ${back} ms after the path returned (cut for ${restoredAt - cutAt} ms)`);
    assert.ok(back < 3000, `audio back within 3 s of the path returning (${back} ms)`);
    assert.equal(phone.calls.get(id)?.state, "incall");
    await assertAudioArrives(phone, id, "alice after the ICE restart");
    await phone.calls.hangup(id);
  });
});

describe("calls that survive the network: the machine's network changes", function () {
  this.timeout(120000);
  let bench: PhoneBench;
  const lines: string[] = [];
  const ip = (args: string[]) => run("ip", args);
  const iptables = (args: string[]) => run("iptables", args);
  // Kamailio's WebSocket port, both ways: the account's connection goes dead without a word (no RST, no FIN).
  const WS_PORT = new URL(PBX.ws).port;
  const CUT_SIP = [
    ["OUTPUT", "-p", "tcp", "--dport", WS_PORT, "-j", "DROP"],
    ["OUTPUT", "-p", "tcp", "--sport", WS_PORT, "-j", "DROP"],
  ];

  before(async function () {
    this.timeout(120000);
    if (process.env.SOFTPHONE_IN_NETNS !== "1") throw new Error("this suite adds network interfaces and must run in its own network namespace: run it through scripts/netns.sh (npm test does)");
    const log = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
    bench = await startPhoneBench("network-change", [benchAccount("alice")], {
      networkWatchMs: 500,
      log: { trace: () => undefined, info: log("info"), warn: log("warn"), error: log("error") },
    });
  });
  after(async () => {
    for (const rule of CUT_SIP) await iptables(["-D", ...rule]).catch(() => undefined);
    await ip(["link", "del", "sp-test0"]).catch(() => undefined);
    await bench?.stop();
  });

  it("a new network interface mid-call: the call restarts ICE at once (re-INVITE with new ICE credentials) and its audio goes on", async () => {
    const { phone } = bench;
    const id = await phone.calls.dial(PBX.phone);
    await waitCallState(phone, id, "incall");
    await assertAudioArrives(phone, id, "alice before the change");
    const from = lines.length;
    await ip(["link", "add", "sp-test0", "type", "veth", "peer", "name", "sp-test1"]);
    await ip(["link", "set", "sp-test1", "up"]);
    await ip(["addr", "add", "10.77.0.1/24", "dev", "sp-test0"]);
    await ip(["link", "set", "sp-test0", "up"]);
    const changedAt = Date.now();
    await waitFor("the call's ICE restart to be accepted", () => lines.slice(from).some((l) => l.includes(`call ${id}: ICE restart accepted`)), 5000, 50).catch(() => {
      throw new Error(`no ICE restart after the network changed; the log said:\n${lines.slice(from).join("\n")}`);
    });
    console.log(`      ICE restart accepted ${Date.now() - changedAt} ms after the interface came up`);
    assert.ok(lines.slice(from).some((l) => /network changed \(\+sp-test0 10\.77\.0\.1/.test(l)), "the change is logged with what changed");
    await assertAudioArrives(phone, id, "alice after the ICE restart");
    assert.equal(phone.calls.get(id)?.state, "incall");
    await phone.calls.hangup(id);
  });

  it("the network changes while the account's connection has silently died: the dead connection is found within 5 s (not at the next keep-alive, 20-40 s), and the account registers again once the path is back", async () => {
    const account = () => bench.phone.accountViews().find((a) => a.id === "alice");
    await waitFor("alice registered", () => account()?.state === "registered", 15000, 100);
    for (const rule of CUT_SIP) await iptables(["-A", ...rule]);
    await sleep(500);
    await ip(["addr", "add", "10.77.0.2/24", "dev", "sp-test0"]);
    const changedAt = Date.now();
    await waitFor("alice to notice her connection is gone", () => account()?.state !== "registered", 5000, 50).catch(() => {
      throw new Error(`alice still "registered" 5 s after the network changed over a dead connection`);
    });
    console.log(`      dead connection found ${Date.now() - changedAt} ms after the network changed`);
    for (const rule of CUT_SIP) await iptables(["-D", ...rule]);
    await waitFor("alice registered again", () => account()?.state === "registered", 40000, 100);
  });
});
