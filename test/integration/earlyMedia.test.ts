// Integration: early media on the real bench. sipp-early answers our INVITE with 183 Session
// Progress carrying an SDP answer and streams a 440 Hz tone (PCMU, through rtpengine to WebRTC)
// while the call still rings; its 200 OK (same SDP) follows 2.5 s later. The host's Inviter has
// `earlyMedia: true`, so sip.js hands the 183's answer to our session description handler and
// the call window's media session receives audio before the call is answered. Proven from the
// page's inbound stats sampled while the call's state is "ringing". A plain 180 (bob ringing,
// no SDP) brings no media while ringing, and that call still connects normally when answered.
import assert from "node:assert/strict";
import type { MediaStats } from "../../src/protocol/callWindow";
import type { CallView } from "../../src/protocol/model";
import { RemoteSessionDescriptionHandler } from "../../src/media/remoteSdh";
import { PBX } from "../support/pbx";
import { assertAudioArrives as assertAudioArrivesAt, nextIncoming as nextIncomingAt } from "../support/callProbes";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("early media (183 with SDP) on the real bench, call window in Chromium", function () {
  this.timeout(60000);
  let bench: PhoneBench;

  // Every offer/answer call our session description handlers make, with the call's state at
  // that moment: shows which SDP sip.js applied when (the 183's, and not the 200's again).
  const sdhCalls: Array<{ session: string; call: "getDescription" | "setDescription"; state: string | undefined }> = [];
  const proto = RemoteSessionDescriptionHandler.prototype;
  const original = { getDescription: proto.getDescription, setDescription: proto.setDescription };

  before(async function () {
    this.timeout(120000);
    for (const name of ["getDescription", "setDescription"] as const) {
      const real = original[name] as (...args: unknown[]) => Promise<unknown>;
      (proto as any)[name] = function (this: RemoteSessionDescriptionHandler, ...args: unknown[]) {
        sdhCalls.push({ session: this.session.id, call: name, state: bench ? view(this.session.id)?.state : undefined });
        return real.apply(this, args);
      };
    }
    bench = await startPhoneBench("early", [benchAccount("alice"), benchAccount("bob")]);
  });
  after(async () => {
    Object.assign(proto, original);
    await bench?.stop();
  });

  const phone = () => bench.phone;
  const view = (id: string): CallView | undefined => phone().calls.views().find((c) => c.id === id);
  const waitState = (id: string, state: CallView["state"], ms = 15000) => waitFor(`call ${id} to reach ${state}`, () => view(id)?.state === state && view(id)!, ms);
  const stats = async (id: string): Promise<MediaStats> => {
    const s = await phone().media.stats(id);
    if (!s) throw new Error(`no media stats for ${id}`);
    return s;
  };
  const nextIncoming = (accountId: string) => nextIncomingAt(phone(), accountId);
  const assertAudioArrives = (id: string, who: string) => assertAudioArrivesAt(phone(), id, who);

  interface Sample {
    at: number;
    packets: number;
    level: number;
    /** The call window's own tone at that moment ("ringback", "ring" or null). */
    tone: string | null;
  }
  /**
   * Samples `id`'s inbound audio every ~150 ms for as long as the call is "ringing" (at most
   * `ms`). A sample only counts if the call was ringing both before and after it was taken, so
   * nothing that arrived after the answer can slip in.
   */
  async function sampleWhileRinging(id: string, ms: number): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const end = Date.now() + ms; Date.now() < end; await sleep(150)) {
      if (view(id)?.state !== "ringing") break;
      const s = await stats(id);
      const tone = await bench.pages.at(-1)!.evaluate(() => (globalThis as any).softphoneCallWindow.tone());
      if (view(id)?.state !== "ringing") break;
      out.push({ at: Date.now(), packets: s.packetsReceived, level: s.inboundLevel, tone });
    }
    return out;
  }
  const describeSamples = (samples: Sample[]) => samples.map((s) => `${s.packets}/${s.level.toFixed(3)}`).join(" ");


  it("early media from sipp (183 with SDP, then 200): audio arrives before the answer", async () => {
    const id = await phone().calls.dial(PBX.sipp.early, { accountId: "alice" });
    await waitState(id, "ringing", 10000);
    // sipp plays its tone for 2.5 s before it sends the 200 OK.
    const ringing = await sampleWhileRinging(id, 10000);
    const trace = `packets/level while ringing: ${describeSamples(ringing)}`;
    assert.ok(ringing.length >= 5, `the call rang long enough to be sampled (${ringing.length} samples; ${trace})`);
    const first = ringing[0]!;
    const last = ringing.at(-1)!;
    assert.ok(last.packets > 25, `audio packets arrived while the call was still ringing (${last.packets}; ${trace})`);
    assert.ok(last.packets > first.packets, `and kept arriving while it rang (${first.packets} → ${last.packets}; ${trace})`);
    const maxLevel = Math.max(...ringing.map((s) => s.level));
    assert.ok(maxLevel > 0.01, `the early media is sipp's tone, not silence (highest level ${maxLevel.toFixed(3)}; ${trace})`);

    assert.equal(last.tone, null, `no local ringback over the early media (tones while ringing: ${ringing.map((x) => x.tone).join(" ")})`);

    const answered = await waitState(id, "incall", 10000);
    const negotiation = sdhCalls.filter((c) => c.session === id).map((c) => `${c.call}@${c.state}`);
    // The offer (INVITE), then the 183's answer applied once; the 200 OK (same dialog, already
    // stable) is only ACKed: a second setDescription would hit a "stable" peer connection.
    assert.deepEqual(negotiation, ["getDescription@connecting", "setDescription@trying"], `offer/answer calls (${negotiation.join(", ")})`);
    const s = await stats(id);
    assert.ok(s.firstPacketAt !== undefined && answered.answeredAt !== undefined, "first packet and answer times are known");
    assert.ok(
      s.firstPacketAt! < answered.answeredAt!,
      `the first audio packet came before the answer (${answered.answeredAt! - s.firstPacketAt!} ms earlier)`,
    );
    // After the 200 OK the same media session goes on (sip.js does not apply the SDP again).
    await assertAudioArrives(id, "alice after sipp answered");
    await phone().calls.hangup(id);
    const cleared = await waitState(id, "cleared");
    assert.equal(cleared.reason, "ended-local");
  });

  it("a plain 180 (bob rings, no SDP) brings no media while ringing; answered, the call has audio", async () => {
    const incoming = nextIncoming("bob");
    const id = await phone().calls.dial("bob", { accountId: "alice" });
    const atBob = await incoming;
    await waitState(id, "ringing");
    await sleep(500);
    const ringing = await sampleWhileRinging(id, 2000);
    assert.ok(ringing.length >= 5, `alice's call rang while sampled (${ringing.length} samples)`);
    assert.equal(ringing.at(-1)!.packets, 0, `no audio packets while a 180 call rings (${describeSamples(ringing)})`);
    await phone().calls.answer(atBob.id);
    await waitState(id, "incall");
    await waitState(atBob.id, "incall");
    await assertAudioArrives(id, "alice (bob answered)");
    await phone().calls.hangup(id);
    await waitState(id, "cleared");
    await waitState(atBob.id, "cleared");
  });
});
