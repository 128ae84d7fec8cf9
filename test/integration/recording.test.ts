// Integration: recording on the real bench. alice calls baresip (which plays a 440 Hz tone) and
// records: the file exists after the recording stops, decodes (in Chromium's decoder), and holds
// both directions — our fake microphone's beeps on the left, baresip's tone on the right.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Page } from "playwright-core";
import { callView, waitCallState } from "../support/callProbes";
import { PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("call recording (baresip's tone and our microphone into one stereo WebM/Opus file)", function () {
  this.timeout(90000);
  let bench: PhoneBench;
  let recordAllCalls = false;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("recording", [benchAccount("alice")], {
      settings: () => ({ sipTrace: false, dtmfMode: "rfc4733", recordAllCalls }),
    });
  });
  after(async () => bench?.stop());
  afterEach(async () => {
    recordAllCalls = false;
    for (const c of bench.phone.calls.views()) if (c.state !== "cleared") await bench.phone.calls.hangup(c.id).catch(() => undefined);
  });

  const phone = () => bench.phone;

  /** Decode a recording in the page (Chromium's WebM/Opus decoder) and measure each channel. */
  async function decode(file: string): Promise<{ channels: number; seconds: number; rms: number[] }> {
    const page: Page = bench.pages.filter((p) => !p.isClosed()).at(-1)!;
    return page.evaluate(async (b64) => {
      const bytes = Uint8Array.from((globalThis as any).atob(b64) as string, (c) => c.charCodeAt(0));
      const ctx = new (globalThis as any).OfflineAudioContext(2, 48000, 48000);
      const audio = await ctx.decodeAudioData(bytes.buffer);
      const rms: number[] = [];
      for (let ch = 0; ch < audio.numberOfChannels; ch++) {
        const data: Float32Array = audio.getChannelData(ch);
        let sum = 0;
        for (const v of data) sum += v * v;
        rms.push(Math.sqrt(sum / Math.max(1, data.length)));
      }
      return { channels: audio.numberOfChannels, seconds: audio.duration, rms };
    }, readFileSync(file).toString("base64"));
  }

  async function assertBothDirections(file: string, minSeconds: number): Promise<void> {
    await waitFor("the recording file to be closed", () => existsSync(file) && statSync(file).size > 1000, 10000);
    const d = await decode(file);
    assert.equal(d.channels, 2, "stereo: ours left, theirs right");
    assert.ok(d.seconds >= minSeconds, `the recording lasts (${d.seconds.toFixed(1)} s)`);
    assert.ok(d.rms[0] > 0.003, `our side (the fake microphone's beeps) is in it (left rms ${d.rms[0].toFixed(4)})`);
    assert.ok(d.rms[1] > 0.01, `baresip's tone is in it (right rms ${d.rms[1].toFixed(4)})`);
  }

  it("started and stopped mid-call: the file decodes and holds both directions; the user sees it recording", async () => {
    const id = await phone().calls.dial(PBX.phone, { accountId: "alice" });
    await waitCallState(phone(), id, "incall");
    await sleep(1000);
    phone().calls.setRecording(id, true);
    assert.equal(callView(phone(), id)?.recording, true, "the call shows as recorded");
    await sleep(4000);
    phone().calls.setRecording(id, false);
    assert.equal(callView(phone(), id)?.recording, undefined);
    const file = phone().calls.get(id)!.recordingFile!;
    await waitFor("the last piece to arrive", () => !phone().recordings.isOpen(id), 10000);
    await assertBothDirections(file, 3);
    await phone().calls.hangup(id);
    await waitCallState(phone(), id, "cleared");
    await phone().calls.historySettled(id);
    const entry = await waitFor("the call's end in history", async () => (await phone().history.list(5)).find((e) => e.id === id && e.outcome), 5000);
    assert.equal(entry.recording, file, "the history entry links to the recording");
  });

  it("record every call (setting): recording starts with the answer, the hang-up finalises the file", async () => {
    recordAllCalls = true;
    const id = await phone().calls.dial(PBX.phone, { accountId: "alice" });
    await waitCallState(phone(), id, "incall");
    await waitFor("recording from the answer", () => callView(phone(), id)?.recording === true, 5000);
    await sleep(3000);
    await phone().calls.hangup(id);
    await waitCallState(phone(), id, "cleared");
    const file = phone().calls.get(id)!.recordingFile!;
    await waitFor("the file closed after the hang-up", () => !phone().recordings.isOpen(id), 10000);
    await assertBothDirections(file, 2);
  });
});
