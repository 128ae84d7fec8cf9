// Integration: choosing devices on the real bench. Chromium's fake devices give two real
// microphones ("Fake Audio Input 1/2", each a beep) and speakers besides the defaults; a call
// to baresip through rtpengine proves the switch: baresip's recording after the switch is not
// silent, and no re-INVITE passes Kamailio (the track is replaced, nothing is renegotiated).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { DeviceInfo, DeviceKind } from "../../src/protocol/callWindow";
import { PBX, wavStats } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("devices: microphone and speaker switched mid-call, choices kept, a vanished device gives way to the default", function () {
  this.timeout(90000);
  let bench: PhoneBench;
  /** What the settings softphone.audio.* say (the extension reads them from VS Code). */
  let processing = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("devices", [benchAccount("alice")], { audioProcessing: () => processing });
  });
  after(async () => bench?.stop());

  const page = (): Page => bench.pages.filter((p) => !p.isClosed()).at(-1)!;
  const hook = <T>(fn: string): Promise<T> => page().evaluate((name) => (globalThis as any).softphoneCallWindow[name](), fn);
  const invitesAtKamailio = () => (readFileSync(join(bench.pbx.runDir, "logs/kamailio.log"), "utf8").match(/REQ INVITE /g) ?? []).length;
  const device = async (kind: DeviceKind, label: string): Promise<DeviceInfo> =>
    waitFor(`the call window to list the ${kind} "${label}"`, () => bench.phone.media.availableDevices().devices.find((d) => d.kind === kind && d.label === label), 10000, 100);

  async function inCallWithBaresip(): Promise<string> {
    const id = await bench.phone.calls.dial(PBX.phone, { accountId: "alice" });
    await waitFor("the call to be in progress", () => bench.phone.getState().calls.find((c) => c.id === id)?.state === "incall", 15000);
    return id;
  }

  /** The microphone's level moves and bytes go out over ~2 s (the fake microphone beeps). */
  async function assertSending(id: string, what: string): Promise<void> {
    const b1 = (await bench.phone.media.stats(id))!.bytesSent;
    let level = 0;
    for (const end = Date.now() + 2000; Date.now() < end; await sleep(150)) level = Math.max(level, (await bench.phone.media.stats(id))!.outboundLevel);
    const b2 = (await bench.phone.media.stats(id))!.bytesSent;
    assert.ok(b2 > b1 + 2000, `${what}: audio bytes go out (${b1} → ${b2})`);
    assert.ok(level > 0.01, `${what}: the microphone's level moves (${level})`);
  }

  it("switching the microphone mid-call between two fake devices: baresip keeps hearing us, no re-INVITE; the speaker is set with setSinkId; the choices are kept", async () => {
    const id = await inCallWithBaresip();
    await sleep(1500);
    const invites = invitesAtKamailio();
    const mic1 = await device("audioinput", "Fake Audio Input 1");
    const switchedAt = Date.now();
    await bench.phone.media.chooseDevice("audioinput", mic1);
    await waitFor("the call window to capture from Fake Audio Input 1", async () => (await hook<string>("microphoneLabel")) === "Fake Audio Input 1", 5000, 100);
    await assertSending(id, "after the switch");

    const out1 = await device("audiooutput", "Fake Audio Output 1");
    await bench.phone.media.chooseDevice("audiooutput", out1);
    await waitFor("the call's audio element to play through Fake Audio Output 1", async () => (await hook<string[]>("sinkIds")).includes(out1.deviceId), 5000, 100);
    await sleep(2500);
    const hungUpAt = Date.now();
    await bench.phone.calls.hangup(id);
    await waitFor("the call to clear", () => bench.phone.calls.get(id)?.state === "cleared");

    assert.equal(invitesAtKamailio(), invites, "no re-INVITE reached Kamailio (or, through it, baresip) for the device switches");
    const heard = await waitFor("baresip's recording", () => bench.pbx.receivedRecordings().at(-1), 5000);
    // baresip writes only the audio it received (a late first packet makes it shorter than the
    // call): its last 3 s were sent well after the switch, which 4.5 s and more of the call followed.
    const whole = wavStats(heard);
    const sinceSwitch = (hungUpAt - switchedAt) / 1000;
    assert.ok(whole.seconds > sinceSwitch, `baresip's recording (${whole.seconds.toFixed(1)} s) is longer than the call after the switch (${sinceSwitch.toFixed(1)} s)`);
    const afterSwitch = wavStats(heard, { fromSeconds: whole.seconds - 3 });
    assert.ok(afterSwitch.rms > 0.01, `baresip heard our new microphone: not silence (rms ${afterSwitch.rms.toFixed(3)})`);

    const kept = bench.phone.media.deviceChoices();
    assert.deepEqual(kept.audioinput, { deviceId: mic1.deviceId, label: "Fake Audio Input 1" });
    assert.deepEqual(kept.audiooutput, { deviceId: out1.deviceId, label: "Fake Audio Output 1" });
  });

  it("Test Audio and Video: the microphone meter moves, the camera preview shows, the tone plays on the chosen speaker", async () => {
    const out2 = await device("audiooutput", "Fake Audio Output 2");
    await bench.phone.media.chooseDevice("audiooutput", out2);
    await bench.phone.media.testDevices();
    const panel = page().getByTestId("device-test");
    await panel.waitFor({ timeout: 5000 });
    await waitFor("the test's microphone meter to move", async () => (await hook<{ micLevel: number }>("deviceTest")).micLevel > 0.02, 5000, 100);
    const frames = await page().evaluate(
      () =>
        new Promise<number>((resolve) => {
          const v = (globalThis as any).document.querySelector('[data-testid="device-test"] video') as { requestVideoFrameCallback(cb: () => void): void };
          let n = 0;
          const count = () => {
            n++;
            v.requestVideoFrameCallback(count);
          };
          v.requestVideoFrameCallback(count);
          setTimeout(() => resolve(n), 1000);
        }),
    );
    assert.ok(frames >= 5, `the camera preview shows moving frames (${frames} in 1 s)`);
    await panel.getByRole("button", { name: "Play a test tone" }).click();
    await waitFor("the tone on Fake Audio Output 2", async () => (await hook<{ toneSink: string | null }>("deviceTest")).toneSink === out2.deviceId, 5000, 100);
    await panel.getByRole("button", { name: "Done" }).click();
    await panel.waitFor({ state: "detached", timeout: 5000 });
    assert.equal(await hook<boolean>("cameraLive"), false, "closing the test releases the camera");
  });

  it("echo cancellation, noise suppression and gain control follow the settings (the microphone reopens with them)", async () => {
    const settings = () => hook<{ echoCancellation?: boolean; noiseSuppression?: boolean; autoGainControl?: boolean } | undefined>("microphoneSettings");
    await waitFor("the microphone open with processing on", async () => (await settings())?.echoCancellation === true, 10000, 100);
    const on = await settings();
    assert.deepEqual([on?.echoCancellation, on?.noiseSuppression, on?.autoGainControl], [true, true, true]);
    processing = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    try {
      bench.phone.applyAudioSettings();
      await waitFor("the microphone reopened without processing", async () => {
        const s = await settings();
        return s?.echoCancellation === false && s.noiseSuppression === false && s.autoGainControl === false;
      }, 10000, 100);
    } finally {
      processing = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
      bench.phone.applyAudioSettings();
    }
    await waitFor("processing back on", async () => (await settings())?.echoCancellation === true, 10000, 100);
  });

  it("a kept choice whose id changed (new origin, cleared site data) is found again by its label", async () => {
    const mic2 = await device("audioinput", "Fake Audio Input 2");
    await bench.phone.media.chooseDevice("audioinput", { deviceId: "an-id-from-another-origin", label: mic2.label });
    await waitFor("the call window to capture from Fake Audio Input 2", async () => (await hook<string>("microphoneLabel")) === "Fake Audio Input 2", 5000, 100);
  });

  it("a chosen microphone that disappears mid-call gives way to the default, the user is told, and the call keeps its audio", async () => {
    const mic1 = await device("audioinput", "Fake Audio Input 1");
    await bench.phone.media.chooseDevice("audioinput", mic1);
    await waitFor("capturing from Fake Audio Input 1", async () => (await hook<string>("microphoneLabel")) === "Fake Audio Input 1", 5000, 100);
    const id = await inCallWithBaresip();
    const notices: Array<{ kind: DeviceKind; wanted: string; using: string }> = [];
    const sub = bench.phone.media.onDeviceFallback((n) => notices.push(n));
    try {
      // MOCK: Chromium cannot unplug a fake device. The page's enumerateDevices is made to leave
      // "Fake Audio Input 1" out and a devicechange event is fired, as an unplug would.
      await page().evaluate(() => {
        const md = (globalThis as any).navigator.mediaDevices;
        const real = md.enumerateDevices.bind(md);
        md.enumerateDevices = async () => (await real()).filter((d: { label: string }) => d.label !== "Fake Audio Input 1");
        md.dispatchEvent(new Event("devicechange"));
      });
      await waitFor("the call window to fall back to the default microphone", async () => (await hook<string>("microphoneLabel")) === "Fake Default Audio Input", 5000, 100);
      await waitFor("the user to be told", () => notices.length > 0, 5000);
      assert.deepEqual(notices, [{ kind: "audioinput", wanted: "Fake Audio Input 1", using: "Fake Default Audio Input" }]);
      assert.match(await page().getByTestId("device-notice").innerText(), /Fake Audio Input 1.*not available/);
      await assertSending(id, "after the fallback");
    } finally {
      sub.dispose();
      await bench.phone.calls.hangup(id);
    }
  });
});
