// Integration: per-call quality and set-up timings on the real bench. A call to baresip goes
// through rtpengine (WebRTC ↔ plain RTP); the call window measures it with getStats and the
// host publishes the figures in getState(). Packet loss is real: iptables' `statistic` match
// drops 10% of the UDP packets rtpengine sends (this kernel has no netem), inside the test's
// own network namespace (scripts/netns.sh), so nothing outside the test is touched.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { SoftphoneState } from "../../src/protocol/model";
import type { MediaQuality } from "../../src/protocol/quality";
import { PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

const run = promisify(execFile);
/** rtpengine's media ports (scripts/pbx/conf/rtpengine.conf: port-min / port-max). */
const RTPENGINE_PORTS = "30000:30199";
const LOSS_RULE = ["OUTPUT", "-p", "udp", "--sport", RTPENGINE_PORTS, "-m", "statistic", "--mode", "random", "--probability", "0.1", "-j", "DROP"];

describe("call quality and set-up timings (baresip through rtpengine, loss injected with iptables)", function () {
  this.timeout(90000);
  let bench: PhoneBench;

  before(async function () {
    this.timeout(120000);
    // Changing the firewall is only safe in the private namespace the test scripts create.
    if (process.env.SOFTPHONE_IN_NETNS !== "1") {
      throw new Error("this suite injects packet loss with iptables and must run in its own network namespace: run it as root through scripts/netns.sh (npm test does)");
    }
    bench = await startPhoneBench("quality", [benchAccount("alice")]);
  });
  after(async () => {
    await run("iptables", ["-D", ...LOSS_RULE]).catch(() => undefined);
    await bench?.stop();
  });

  const callState = (id: string): SoftphoneState["calls"][number] | undefined => bench.phone.getState().calls.find((c) => c.id === id);
  const quality = (id: string): MediaQuality | undefined => callState(id)?.quality;

  /** The audio quality over `seconds` of one-second samples: the mean loss and the mean MOS. */
  async function sampleAudio(id: string, seconds: number): Promise<{ loss: number; mos: number; samples: MediaQuality[] }> {
    const samples: MediaQuality[] = [];
    let last = 0;
    for (const end = Date.now() + seconds * 1000; Date.now() < end; await sleep(250)) {
      const q = (await bench.phone.media.stats(id))?.quality;
      if (q && q.at !== last && q.audio?.mos !== undefined) {
        last = q.at;
        samples.push(q);
      }
    }
    assert.ok(samples.length >= seconds - 2, `a quality sample about every second (${samples.length} in ${seconds} s)`);
    const mean = (f: (q: MediaQuality) => number) => samples.reduce((sum, q) => sum + f(q), 0) / samples.length;
    return { loss: mean((q) => q.audio!.lossPercent), mos: mean((q) => q.audio!.mos!), samples };
  }

  afterEach(async () => {
    for (const c of bench.phone.calls.views()) if (c.state !== "cleared") await bench.phone.calls.hangup(c.id).catch(() => undefined);
    await waitFor("calls to clear", () => bench.phone.calls.views().every((c) => c.state === "cleared"), 10000);
  });

  it("reports plausible quality (codec, bitrate, loss, jitter, round trip, MOS) and the set-up steps in order", async () => {
    const id = await bench.phone.calls.dial(PBX.phone, { accountId: "alice" });
    await waitFor("the call to be in progress", () => callState(id)?.state === "incall", 15000);
    await waitFor("quality in getState()", () => quality(id)?.audio?.mos !== undefined && quality(id)!.audio!.receiveKbps > 0, 10000, 200);
    const { loss, mos, samples } = await sampleAudio(id, 4);
    const audio = samples.at(-1)!.audio!;
    assert.ok(audio.codec && /^(opus|PCMU|PCMA|G722)$/i.test(audio.codec), `a known audio codec (${audio.codec})`);
    assert.ok(audio.receiveKbps > 5 && audio.receiveKbps < 200, `inbound bitrate of a voice stream (${audio.receiveKbps} kb/s)`);
    assert.ok(audio.sendKbps > 5 && audio.sendKbps < 200, `outbound bitrate of a voice stream (${audio.sendKbps} kb/s)`);
    assert.ok(loss < 2, `no loss on a clean loopback (${loss}%)`);
    assert.ok(audio.jitterMs >= 0 && audio.jitterMs < 50, `jitter plausible (${audio.jitterMs} ms)`);
    // The best of the samples: one RTCP report can land in a moment the machine is busy.
    const rtts = samples.map((s) => s.audio?.rttMs).filter((r): r is number => r !== undefined);
    assert.ok(rtts.length > 0 && Math.min(...rtts) >= 0 && Math.min(...rtts) < 100, `round trip measured on loopback (${rtts.join(", ")} ms)`);
    assert.ok(mos >= 4.0, `a clean call scores good (MOS ${mos.toFixed(2)})`);
    assert.equal(samples.at(-1)!.grade, "good");

    const t = callState(id)!.setup!;
    assert.ok(t, "set-up timings in getState()");
    // Signalling in order; media after the ringing (the 200's SDP starts ICE, so on loopback
    // ICE and the first audio can land before sip.js reports the call established).
    // baresip answers at once: its 180 may come after the 200 (sip.js then ignores it), so the
    // ringing step is checked only when there was one.
    const ringing = t.ringingMs !== undefined ? [t.ringingMs] : [];
    const signalling = [t.inviteSentMs, t.tryingMs, ...ringing, t.answeredMs];
    const media = [t.tryingMs, t.iceConnectedMs, t.firstAudioMs];
    for (const steps of [signalling, media]) {
      assert.ok(steps.every((v) => typeof v === "number" && v >= 0), `every step timed: ${JSON.stringify(t)}`);
      for (let i = 1; i < steps.length; i++) assert.ok(steps[i]! >= steps[i - 1]!, `steps in order: ${JSON.stringify(t)}`);
    }
    assert.ok(Math.abs(t.firstAudioMs! - t.answeredMs!) < 1000, `first audio comes with the answer: ${JSON.stringify(t)}`);
  });

  it("with 10% of rtpengine's packets dropped, the reported loss rises and the MOS falls; the grade recovers when the loss stops", async () => {
    const id = await bench.phone.calls.dial(PBX.phone, { accountId: "alice" });
    await waitFor("the call to be in progress", () => callState(id)?.state === "incall", 15000);
    await waitFor("quality samples", () => quality(id)?.audio?.mos !== undefined, 10000, 200);
    await sleep(1500);
    const clean = await sampleAudio(id, 4);
    await run("iptables", ["-A", ...LOSS_RULE]);
    try {
      await sleep(1500); // let the first lossy interval land
      const lossy = await sampleAudio(id, 6);
      assert.ok(lossy.loss > clean.loss + 4, `reported loss rises with 10% dropped (${clean.loss.toFixed(1)}% → ${lossy.loss.toFixed(1)}%)`);
      assert.ok(lossy.loss < 25, `and stays near what was dropped (${lossy.loss.toFixed(1)}%)`);
      assert.ok(lossy.mos < clean.mos - 0.5, `MOS falls (${clean.mos.toFixed(2)} → ${lossy.mos.toFixed(2)})`);
      await waitFor("getState() to show the call's quality as poor", () => quality(id)?.grade === "poor", 5000, 200);
    } finally {
      await run("iptables", ["-D", ...LOSS_RULE]);
    }
    await waitFor("the grade to recover once packets flow again", () => quality(id)?.grade === "good", 10000, 200);
  });
});
