// UI end to end: the packaged .vsix installed into real VS Code (code-server), its workbench
// driven by Playwright in headless Chromium with webviews isolated as on desktop. A person's
// path: set the password, F1 → "Softphone: Dial…" → `phone` → Enter → the call window opens →
// the status bar shows the call and a running timer → baresip hears us → hang up from the status
// bar → history in the sidebar. Then a call from baresip answered from the notification.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BrowserContext, Frame, Page } from "playwright-core";
import { baresipCallCount, PBX, startPbx, wavStats, type Pbx } from "../support/pbx";
import { sleep, waitFor } from "../support/wait";
import { addBenchPhone, type PhoneBench } from "../support/phoneBench";

const REPO = resolve(__dirname, "../../..");
// The harness is plain CommonJS shared with the VS Code suite; load it at run time (not bundled).
const harness = require(join(REPO, "test/vscode/harness/lib.js"));
const execFileAsync = promisify(execFile);
const runDir = join(process.env.SOFTPHONE_RUN_DIR ?? join(REPO, ".run"), "ui");

describe("UI end to end in code-server (webviews isolated like desktop)", function () {
  this.timeout(90000);
  let pbx: Pbx;
  let session: { cs: unknown; ctx: BrowserContext; page: Page; stop(): Promise<void> };
  let page: Page;
  let callWindow: Page | undefined;
  /** The outgoing call of the next two tests: baresip's recordings before it, when it showed in call. */
  let recordingsBeforeDial = 0;
  let inCallSince = 0;

  const statusBar = (text: string | RegExp) => harness.statusBarItem(page, text);

  async function quickInput(value: string): Promise<void> {
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 15000 });
    await input.fill(value);
    await sleep(150);
    await page.keyboard.press("Enter");
  }

  /** Show the Softphone view container (clicking its activity bar icon only if it is not showing). */
  async function showSidebar(): Promise<Frame> {
    const item = page.locator(".part.activitybar .action-item", { has: page.locator('[aria-label^="Softphone"]') }).first();
    if (!/\bchecked\b/.test((await item.getAttribute("class")) ?? "")) await item.click();
    return sidebarFrame();
  }

  /** The Softphone view's badge on the activity bar. */
  const badge = () => page.locator(".part.activitybar .action-item", { has: page.locator('[aria-label^="Softphone"]') }).locator(".badge-content");
  /** What the badge says ("" when there is none). */
  const badgeText = async (): Promise<string> => ((await badge().count()) ? ((await badge().first().textContent().catch(() => "")) ?? "").trim() : "");

  /**
   * The sidebar showing the conversation with `peer`. A view that was hidden gets its webview
   * made afresh: click in the new one once it is there.
   */
  async function openConversation(peer: string): Promise<Frame> {
    return waitFor(`the conversation with ${peer} to open in the sidebar`, async () => {
      const f = await sidebarFrame();
      if ((await f.locator("[data-testid=conversation]").count()) > 0) return f;
      await f.locator(`[data-testid=conversation-item][data-peer="${peer}"]`).click({ timeout: 2000 }).catch(() => undefined);
      return undefined;
    }, 20000, 300);
  }

  async function sidebarFrame(): Promise<Frame> {
    return harness.waitForFrame(page, async (f: Frame) => (await f.locator("[data-testid=dial-input]").count()) > 0, 30000);
  }

  before(async function () {
    this.timeout(240000);
    mkdirSync(runDir, { recursive: true });
    pbx = await startPbx(join(runDir, "pbx"));
    const vsix = join(REPO, "dist/softphone.vsix");
    execFileSync(process.execPath, [join(REPO, "scripts/package.mjs")], { stdio: "ignore", cwd: REPO });
    session = await harness.openWorkbench({
      runDir: join(runDir, "code-server"),
      folder: join(runDir, "workspace"),
      vsix,
      settings: {
        "softphone.accounts": [{ id: "alice", label: "alice", server: PBX.ws, uri: `sip:alice@${PBX.domain}` }],
        "softphone.callWindow": "externalBrowser",
        "softphone.rooms.server": "ws://127.0.0.1:8188",
      },
    });
    page = session.page;
    page.on("dialog", (d) => void d.accept());
  });

  afterEach(async function () {
    // A picture of the workbench for any failed step (look at it: it usually says why).
    if (this.currentTest?.state === "failed" && page) {
      const file = join(runDir, `failed-${this.currentTest.title.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}.png`);
      await page.screenshot({ path: file }).catch(() => undefined);
      console.log(`screenshot: ${file}`);
    }
  });

  after(async function () {
    this.timeout(30000);
    await session?.stop();
    await pbx?.stop();
  });

  it("shows the account in the status bar and registers once the password is set through the UI", async () => {
    await statusBar("alice").first().waitFor({ timeout: 60000 });
    await harness.runCommand(page, "Softphone: Set Password…");
    await quickInput(PBX.users.alice);
    await page.locator("#workbench\\.parts\\.statusbar .statusbar-item:has(.codicon-pass-filled)", { hasText: "alice" }).waitFor({ timeout: 20000 });
  });

  it("F1 → Softphone: Dial… → phone → Enter: the call window opens, the status bar shows the call and its timer", async () => {
    recordingsBeforeDial = pbx.receivedRecordings().length;
    const popup = session.ctx.waitForEvent("page", { timeout: 30000 });
    await harness.runCommand(page, "Softphone: Dial…");
    await quickInput(PBX.phone);
    callWindow = await popup;
    await callWindow.waitForLoadState();
    assert.match(callWindow.url(), /\/call\/[A-Za-z0-9_-]+\/$/);
    const item = statusBar(/In call \d+:\d\d · phone/).first();
    await item.waitFor({ timeout: 30000 });
    inCallSince = Date.now();
    const t1 = await item.innerText();
    await sleep(2200);
    const t2 = await statusBar(/In call \d+:\d\d · phone/).first().innerText();
    assert.notEqual(t1, t2, `timer runs (${t1} → ${t2})`);
    // The call window shows the call too.
    await callWindow.locator('section.call[data-state="incall"]').waitFor({ timeout: 10000 });
    await showSidebar();
    await sleep(500);
    await page.screenshot({ path: join(runDir, "in-call-workbench.png") });
    await callWindow.screenshot({ path: join(runDir, "in-call-window.png") });
  });

  it("baresip hears audio; hanging up from the status bar ends the call; the sidebar shows it in history", async () => {
    assert.ok(inCallSince > 0, "the call of the previous test is up");
    await sleep(1500);
    // At least this long in call (the hang-up itself, through the status bar, takes longer still).
    const upSeconds = (Date.now() - inCallSince) / 1000;
    await statusBar(/In call/).first().click();
    await quickInput("Hang Up");
    await statusBar(/Ended · phone/).first().waitFor({ timeout: 15000 });
    const rec = await waitFor("baresip recording of the call", () => pbx.receivedRecordings().length > recordingsBeforeDial && pbx.receivedRecordings().at(-1));
    await sleep(300);
    const wav = wavStats(rec);
    // The recording holds only the audio baresip received: all the call, less the media set-up.
    assert.ok(wav.seconds >= upSeconds - 0.75, `recording length ${wav.seconds}s for a call up at least ${upSeconds}s`);
    assert.ok(wav.peak > 0.05 && wav.rms > 0.005, `baresip heard sound (rms ${wav.rms.toFixed(4)}, peak ${wav.peak.toFixed(3)})`);

    const frame = await showSidebar();
    const entry = frame.locator('[data-testid=history-entry][data-outcome="answered"]', { hasText: "phone" }).first();
    await entry.waitFor({ timeout: 15000 });
  });

  it("hiding and re-showing the sidebar, or reloading its webview, loses nothing (it re-syncs from the host)", async () => {
    const activity = page.locator('.part.activitybar [aria-label^="Softphone"]').first();
    await activity.click(); // hide the view container
    await sleep(500);
    await activity.click(); // show it again
    let frame = await sidebarFrame();
    await frame.locator('[data-testid=history-entry][data-outcome="answered"]', { hasText: "phone" }).first().waitFor({ timeout: 15000 });
    await frame.locator('[data-testid="account-alice"][data-state="registered"]').waitFor({ timeout: 15000 });
    await harness.runCommand(page, "Developer: Reload Webviews");
    await sleep(1000);
    frame = await sidebarFrame();
    await frame.locator('[data-testid=history-entry][data-outcome="answered"]', { hasText: "phone" }).first().waitFor({ timeout: 15000 });
    await frame.locator('[data-testid="account-alice"][data-state="registered"]').waitFor({ timeout: 15000 });
  });

  it("a call from baresip raises a notification; Answer connects it with audio; Hang Up ends it", async () => {
    const before = pbx.receivedRecordings().length;
    await pbx.baresip("dial", `sip:alice@${PBX.domain}`);
    const toast = page.locator(".notification-toast", { hasText: "Incoming call from" }).first();
    await toast.waitFor({ timeout: 20000 });
    await toast.locator(".monaco-button", { hasText: "Answer" }).first().click();
    await statusBar(/In call \d+:\d\d/).first().waitFor({ timeout: 20000 });
    const since = Date.now();
    await sleep(2500);
    const upSeconds = (Date.now() - since) / 1000;
    await harness.runCommand(page, "Softphone: Hang Up");
    await statusBar(/Ended/).first().waitFor({ timeout: 15000 });
    const rec = await waitFor("baresip recording of the incoming call", () => pbx.receivedRecordings().length > before && pbx.receivedRecordings().at(-1));
    await sleep(300);
    const wav = wavStats(rec);
    assert.ok(wav.seconds >= upSeconds - 0.75, `recording length ${wav.seconds}s for a call up at least ${upSeconds}s`);
    assert.ok(wav.peak > 0.05 && wav.rms > 0.005, `baresip heard sound on the incoming call (rms ${wav.rms.toFixed(4)}, peak ${wav.peak.toFixed(3)})`);
  });

  it("a hostile caller name shows as plain text in the notification (no link, no markup)", async () => {
    const sipp = execFileAsync("sipp", [
      "-sf", join(pbx.runDir, "conf/sipp/uac-hostile-invite.xml"), "-inf", join(pbx.runDir, "conf/sipp/hostile-names.csv"), "-s", "alice", "-m", "1",
      "-i", "127.0.0.1", "-p", "5091", "-mi", "127.0.0.1", "-mp", "6210", "-nostdin", "-timeout", "20", "127.0.0.1:5060",
    ], { cwd: runDir });
    const toast = page.locator(".notification-toast", { hasText: "Incoming call from" }).filter({ hasText: "mallory" }).first();
    await toast.waitFor({ timeout: 20000 });
    const message = toast.locator(".notification-list-item-message");
    assert.equal(await message.locator("a, img").count(), 0, "no link or image rendered from the caller's name");
    assert.match(await message.innerText(), /\[call me\] \(command:/, "shown as text, the link syntax broken");
    await sipp; // the caller cancels after a second
    await toast.locator(".codicon-notifications-clear, .codicon-close").first().click().catch(() => undefined);
  });

  it("Softphone: Show Call History lists the calls", async () => {
    await harness.runCommand(page, "Softphone: Show Call History");
    const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    await rows.first().waitFor({ timeout: 10000 });
    const labels = await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute("aria-label") ?? ""));
    assert.ok(labels.some((l) => /phone/.test(l) && /out · answered/.test(l)), JSON.stringify(labels));
    assert.ok(labels.some((l) => /in · answered/.test(l)), JSON.stringify(labels));
    await page.keyboard.press("Escape");
  });

  it("Softphone: Add Account… guides through URI, server, id and password; the account registers", async () => {
    await harness.runCommand(page, "Softphone: Add Account…");
    await quickInput(`sip:carol@${PBX.domain}`);
    await quickInput(PBX.ws);
    await quickInput("carol");
    await quickInput(PBX.users.carol);
    const frame = await showSidebar();
    await frame.locator('[data-testid="account-carol"][data-state="registered"]').waitFor({ timeout: 20000 });
  });

  /** A cheap fingerprint of what a <video> shows now (its pixels drawn into a small canvas). */
  async function videoFingerprint(p: Page, selector: string): Promise<string> {
    return p.locator(selector).first().evaluate((v: any) => {
      const c = (globalThis as any).document.createElement("canvas");
      c.width = 64;
      c.height = 48;
      const g = c.getContext("2d");
      g.drawImage(v, 0, 0, 64, 48);
      const d = g.getImageData(0, 0, 64, 48).data as Uint8ClampedArray;
      let h = 0;
      for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) >>> 0;
      return `${h}:${d.slice(0, 16).join(",")}`;
    });
  }

  /** Whether the tile's picture changes over ~0.6 s (a moving fake camera) or stands still. */
  async function moving(p: Page, selector: string): Promise<boolean> {
    const a = await videoFingerprint(p, selector);
    await sleep(600);
    return a !== (await videoFingerprint(p, selector));
  }

  it("F1 → Softphone: Video Call… → carol: answered with video from the notification, the remote tile moves; camera off/on from the call window", async () => {
    assert.ok(callWindow && !callWindow.isClosed(), "the call window of the first call is still open");
    const win = callWindow!;
    await harness.runCommand(page, "Softphone: Video Call…");
    await quickInput("carol");
    const toast = page.locator(".notification-toast", { hasText: "Incoming video call from" }).first();
    await toast.waitFor({ timeout: 20000 });
    await toast.locator(".monaco-button", { hasText: "Answer with Video" }).first().click();
    // alice's card (calling carol) shows carol's camera; carol's card shows alice's.
    const aliceCard = 'section.call[data-state="incall"]:has(strong:has-text("carol@"))';
    const carolCard = 'section.call[data-state="incall"]:has(strong:has-text("alice@"))';
    await win.locator(`${aliceCard} [data-testid=remote-video]`).waitFor({ timeout: 20000 });
    await win.locator(`${carolCard} [data-testid=remote-video]`).waitFor({ timeout: 20000 });
    await waitFor("alice's remote tile to show moving video", () => moving(win, `${aliceCard} [data-testid=remote-video]`), 15000, 100);
    assert.ok(await moving(win, `${carolCard} [data-testid=remote-video]`), "carol's remote tile shows moving video too");
    await win.screenshot({ path: join(runDir, "video-call-window.png") });

    // Camera off in alice's card: carol's picture of alice stands still; on again: it moves.
    await win.locator(`${aliceCard} button`, { hasText: "Camera off" }).click();
    await win.locator(`${aliceCard} button`, { hasText: "Camera on" }).waitFor({ timeout: 5000 });
    await sleep(1000);
    assert.equal(await moving(win, `${carolCard} [data-testid=remote-video]`), false, "with alice's camera off, carol sees no new frames");
    assert.ok(await moving(win, `${aliceCard} [data-testid=remote-video]`), "carol's camera still reaches alice");
    await win.locator(`${aliceCard} button`, { hasText: "Camera on" }).click();
    await waitFor("alice's camera to reach carol again", () => moving(win, `${carolCard} [data-testid=remote-video]`), 10000, 100);
  });

  it("Softphone: Select Audio and Video Devices… switches the microphone mid-call from the quick pick", async () => {
    const win = callWindow!;
    const micLabel = () => win.evaluate(() => (globalThis as any).softphoneCallWindow.microphoneLabel());
    assert.notEqual(await micLabel(), "Fake Audio Input 2");
    await harness.runCommand(page, "Softphone: Select Audio and Video Devices…");
    await quickInput("Fake Audio Input 2");
    await waitFor("the call window to capture from Fake Audio Input 2", async () => (await micLabel()) === "Fake Audio Input 2", 10000, 100);
    const stats = await win.evaluate(() => (globalThis as any).softphoneCallWindow.stats());
    const b1 = stats.map((s: { bytesSent: number }) => s.bytesSent);
    await sleep(1000);
    const b2 = (await win.evaluate(() => (globalThis as any).softphoneCallWindow.stats())).map((s: { bytesSent: number }) => s.bytesSent);
    assert.ok(b2.every((b: number, i: number) => b > b1[i]), `both calls keep sending (${b1} → ${b2})`);
    await harness.runCommand(page, "Softphone: Hang Up");
    await statusBar(/Ended/).first().waitFor({ timeout: 15000 });
  });

  /** The sidebar's calls list shows a call with `remote` in `state` (and, when given, its transfer's state). */
  async function sidebarCall(remote: string, state: string, transfer?: string): Promise<void> {
    const frame = await showSidebar();
    let row = frame.locator(`li.call[data-testid="call-${state}"]`, { hasText: remote });
    if (transfer) row = row.filter({ has: frame.locator(`[data-testid=call-transfer][data-state="${transfer}"]`) });
    await row.first().waitFor({ timeout: 20000 });
  }

  /**
   * Answer the call ringing from `remote` once the sidebar shows it, with "Softphone: Answer Call"
   * (toasts may be queued out of sight; the sidebar row re-renders while it rings).
   */
  async function answerInSidebar(remote: string): Promise<void> {
    const frame = await showSidebar();
    const row = frame.locator('li.call[data-testid="call-ringing"][data-direction="incoming"]', { has: frame.locator(".name", { hasText: remote }) }).first();
    await row.waitFor({ timeout: 20000 });
    // The row's own Answer button first (forced: the row re-renders while it rings, so waiting for
    // it to be "stable" can miss it); if the call still rings, the palette command.
    // A click that lands on a node being replaced is lost: try again a few times while it rings.
    for (let attempt = 0; attempt < 6; attempt++) {
      await row.locator('[data-testid="answer"]').click({ force: true, timeout: 1000 }).catch(() => undefined);
      if (await row.waitFor({ state: "detached", timeout: 1000 }).then(() => true, () => false)) return;
    }
    await harness.runCommand(page, "Softphone: Answer Call");
    await row.waitFor({ state: "detached", timeout: 10000 });
  }

  /** Hang up whatever a failed attempt left in progress (the status bar shows no call afterwards). */
  async function hangUpEverything(): Promise<void> {
    for (let i = 0; i < 4 && (await statusBar(/In call|On hold|Incoming/).count()) > 0; i++) {
      await harness.runCommand(page, "Softphone: Hang Up");
      await sleep(500);
    }
    await waitFor("no call in progress", async () => (await statusBar(/In call|On hold|Incoming/).count()) === 0, 15000, 200);
  }

  // The two transfer tests get one more attempt (after hanging up what the first left): an
  // intermittent, not yet explained, makes the call window not answer one media request (the
  // replacing INVITE's, seen in CI: "media.setDescription: no reply within 30000 ms"). A second
  // failure fails the test. Tracked in issue 8's notes.
  it("Softphone: Transfer… from the palette (blind): alice's call with baresip goes to carol, who answers; baresip hears carol", async function () {
    this.retries(1);
    await hangUpEverything();
    const before = pbx.receivedRecordings().length;
    await harness.runCommand(page, "Softphone: Dial…");
    await quickInput(PBX.phone);
    await statusBar(/In call \d+:\d\d · phone/).first().waitFor({ timeout: 30000 });
    await harness.runCommand(page, "Softphone: Transfer…");
    await quickInput("carol");
    await answerInSidebar("phone");
    await sidebarCall("phone", "cleared", "transferred");
    await sidebarCall("phone", "incall");
    await sleep(2500);
    await harness.runCommand(page, "Softphone: Hang Up");
    const rec = await waitFor("baresip's recording of the transferred call", () => pbx.receivedRecordings().length > before && pbx.receivedRecordings().at(-1), 15000);
    await sleep(300);
    const wav = wavStats(rec);
    assert.ok(wav.seconds > 2 && wav.rms > 0.005, `baresip heard carol after the transfer (rms ${wav.rms.toFixed(4)} over ${wav.seconds.toFixed(1)} s)`);
  });

  it("Softphone: Transfer… from the palette (attended): alice connects baresip with carol, whose consultation is replaced without ringing", async function () {
    this.retries(1);
    await hangUpEverything();
    const before = pbx.receivedRecordings().length;
    await harness.runCommand(page, "Softphone: Dial…");
    await quickInput(PBX.phone);
    await statusBar(/In call \d+:\d\d · phone/).first().waitFor({ timeout: 30000 });
    await harness.runCommand(page, "Softphone: Dial…");
    await quickInput("carol");
    await answerInSidebar("alice");
    await sidebarCall("alice", "incall");
    await harness.runCommand(page, "Softphone: Transfer…");
    await quickInput("phone"); // which call: alice's call with baresip
    // Where to: the first entries are the other calls in progress (attended); the first is alice's call to carol.
    await page.locator(".quick-input-widget .quick-input-title", { hasText: "Transfer phone" }).waitFor({ timeout: 10000 });
    const first = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").first();
    await waitFor("the transfer targets to be listed", async () => /carol/.test((await first.getAttribute("aria-label")) ?? ""), 5000, 100);
    assert.match((await first.getAttribute("aria-label")) ?? "", /carol/);
    await page.keyboard.press("Enter");
    await sidebarCall("phone", "cleared", "transferred");
    await waitFor("carol's call with baresip in progress and no call with alice left", async () => {
      const frame = await showSidebar();
      const withPhone = await frame.locator('li.call[data-testid="call-incall"]', { hasText: "phone" }).count();
      const withAlice = await frame.locator('li.call[data-testid="call-incall"]', { hasText: "alice" }).count();
      return withPhone === 1 && withAlice === 0;
    }, 40000, 250);
    await sleep(2500);
    await harness.runCommand(page, "Softphone: Hang Up");
    const rec = await waitFor("baresip's recording of the call it was transferred into", () => pbx.receivedRecordings().length > before && pbx.receivedRecordings().at(-1), 15000);
    await sleep(300);
    const wav = wavStats(rec);
    assert.ok(wav.seconds > 2 && wav.rms > 0.005, `baresip heard carol (rms ${wav.rms.toFixed(4)} over ${wav.seconds.toFixed(1)} s)`);
  });

  /** Every recording under the code-server run folder (the extension's storage lives there). */
  function recordings(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".webm") && p.includes("recordings")) out.push(p);
      }
    };
    walk(join(runDir, "code-server"));
    return out;
  }

  it("recording started and stopped from the call window: the call shows REC, the file holds both directions", async () => {
    const win = callWindow!;
    await waitFor("no call in progress", async () => (await statusBar(/In call|On hold|Incoming/).count()) === 0, 15000, 200);
    const before = new Set(recordings());
    await harness.runCommand(page, "Softphone: Dial…");
    await quickInput(PBX.phone);
    const card = 'section.call[data-state="incall"]:has(strong:has-text("phone"))';
    await win.locator(card).waitFor({ timeout: 30000 });
    await win.locator(`${card} [data-testid=record]`).click();
    await win.locator(`${card} [data-testid=recording]`).waitFor({ timeout: 5000 });
    await page.locator("#workbench\\.parts\\.statusbar .statusbar-item:has(.codicon-record)").first().waitFor({ timeout: 5000 });
    await sleep(3500);
    await win.locator(`${card} [data-testid=record]`, { hasText: "Stop recording" }).click();
    await win.locator(`${card} [data-testid=recording]`).waitFor({ state: "detached", timeout: 5000 });
    const file = await waitFor("the recording file", () => recordings().find((f) => !before.has(f) && statSync(f).size > 1000), 10000, 200);
    await harness.runCommand(page, "Softphone: Hang Up");
    const decoded = await win.evaluate(async (b64) => {
      const bytes = Uint8Array.from((globalThis as any).atob(b64) as string, (c) => c.charCodeAt(0));
      const audio = await new (globalThis as any).OfflineAudioContext(2, 48000, 48000).decodeAudioData(bytes.buffer);
      const rms = (ch: number) => {
        const d: Float32Array = audio.getChannelData(ch);
        let sum = 0;
        for (const v of d) sum += v * v;
        return Math.sqrt(sum / Math.max(1, d.length));
      };
      return { channels: audio.numberOfChannels as number, seconds: audio.duration as number, left: rms(0), right: rms(1) };
    }, readFileSync(file).toString("base64"));
    assert.equal(decoded.channels, 2);
    assert.ok(decoded.seconds > 2.5, `the recording lasts (${decoded.seconds.toFixed(1)} s)`);
    assert.ok(decoded.left > 0.003 && decoded.right > 0.01, `both directions are in it (left ${decoded.left.toFixed(4)}, right ${decoded.right.toFixed(4)})`);
  });

  it("rooms in the sidebar: the rooms list (type filter), Join Room… → Demo room; a message typed in its chat shows as plain text (markup inert, only the http link is a link); Leave", async () => {
    let frame = await showSidebar();
    const entries = frame.locator("[data-testid=room-entry]");
    await entries.filter({ hasText: "Demo audio room" }).waitFor({ timeout: 20000 });
    const listed = async () => (await entries.locator(".subject").allTextContents()).sort();
    assert.deepEqual(await listed(), ["Demo audio room", "Demo room"], "both demo rooms are listed");
    await frame.locator("[data-testid=room-filter]").selectOption("audio");
    await waitFor("the audio filter to leave the audio room only", async () => JSON.stringify(await listed()) === JSON.stringify(["Demo audio room"]), 10000, 200);
    await frame.locator("[data-testid=room-filter]").selectOption("all");
    await frame.locator("[data-testid=room-join]").click();
    await quickInput("Demo room");
    await quickInput("Alice");
    frame = await sidebarFrame();
    await frame.locator("[data-testid=room-subject]", { hasText: "Demo room" }).waitFor({ timeout: 30000 });
    await statusBar(/Demo room/).first().waitFor({ timeout: 10000 });
    const input = frame.locator("[data-testid=chat-input]");
    await waitFor("the room's chat to be ready", () => input.isEnabled(), 20000, 200);
    const hostile = `<img src=x onerror="document.title='pwned'"> [quit](command:workbench.action.quit) see https://example.com/x`;
    await input.fill(hostile);
    await input.press("Enter");
    const message = frame.locator("[data-testid=chat-message]", { hasText: "see https://example.com/x" });
    await message.waitFor({ timeout: 10000 });
    assert.equal(await frame.locator("[data-testid=chat-messages] img").count(), 0, "no element from the message's markup");
    assert.ok((await message.locator("[data-testid=chat-text]").textContent())!.includes(`<img src=x onerror="document.title='pwned'">`), "the markup shows as text");
    const links = message.locator("a");
    assert.equal(await links.count(), 1, "only the http URL is a link (not command:)");
    assert.equal(await links.first().getAttribute("href"), "https://example.com/x");
    await frame.locator("[data-testid=room-leave]").click();
    await frame.locator("[data-testid=room-join]").waitFor({ timeout: 10000 });
    await waitFor("the room's status item to go", async () => (await statusBar(/Demo room/).count()) === 0, 10000, 200);
  });

  it("a video room end to end: Create Room… from the sidebar and Join; in the call window our tile and Bob's (another phone) show moving video; a message to everyone and a whisper from the sidebar reach Bob", async () => {
    const win = callWindow!;
    let frame = await showSidebar();
    await frame.locator("[data-testid=room-create]").click();
    await quickInput("Video room");
    await quickInput("UI room");
    await quickInput(""); // no PIN
    await quickInput(""); // no schedule
    const toast = page.locator(".notification-toast", { hasText: 'room "UI room" created' }).first();
    await toast.waitFor({ timeout: 20000 });
    await toast.locator(".monaco-button", { hasText: "Join" }).first().click();
    await quickInput("Alice");
    frame = await sidebarFrame();
    await frame.locator("[data-testid=room-subject]", { hasText: "UI room" }).waitFor({ timeout: 30000 });
    // Bob: another person's phone (a Softphone in this process, its call window a page of this browser).
    const bob = addBenchPhone({ browser: session.ctx, runDir } as PhoneBench, "ui-bob", { settings: () => ({ sipTrace: false, dtmfMode: "rfc4733", roomsServer: "ws://127.0.0.1:8188" }) });
    try {
      await bob.phone.start([]);
      const listed = (await bob.phone.rooms.list()).find((r) => r.subject === "UI room");
      assert.ok(listed, "Bob finds the room Alice created");
      const bobIn = await bob.phone.rooms.join(listed.id, { display: "Bob", video: true });
      const ownTile = '[data-testid=room-tile][data-member="self"] [data-testid=local-tile-video]';
      const bobTile = `[data-testid=room-tile][data-member="${bobIn.memberId}"] [data-testid=remote-video]`;
      await win.locator(bobTile).waitFor({ timeout: 20000 });
      assert.equal(await win.locator(`[data-testid=room-tile][data-member="${bobIn.memberId}"] [data-testid=tile-name]`).textContent(), "Bob");
      await waitFor("Bob's tile in Alice's call window to show moving video", () => moving(win, bobTile), 15000, 100);
      assert.ok(await moving(win, ownTile), "Alice's own tile shows her camera moving");
      await win.screenshot({ path: join(runDir, "room-call-window.png") });

      const input = frame.locator("[data-testid=chat-input]");
      await waitFor("the room's chat to be ready", () => input.isEnabled(), 20000, 200);
      const bobGot = (text: string) => bob.phone.rooms.view()?.chat.messages.find((m) => m.text === text);
      await input.fill("hello, room");
      await input.press("Enter");
      await waitFor("Bob to get Alice's message", () => bobGot("hello, room"), 10000, 100);
      assert.equal(bobGot("hello, room")!.whisper, false);
      await waitFor("Bob in the sidebar's To list", async () => (await frame.locator(`[data-testid=chat-to] option[value="${bobIn.memberId}"]`).count()) === 1, 10000, 200);
      await frame.locator("[data-testid=chat-to]").selectOption(String(bobIn.memberId));
      await input.fill("psst, Bob");
      await input.press("Enter");
      await waitFor("Bob to get Alice's whisper", () => bobGot("psst, Bob"), 10000, 100);
      assert.equal(bobGot("psst, Bob")!.whisper, true, "it came to Bob as a whisper");
      await frame.locator("[data-testid=chat-message][data-whisper=true]", { hasText: "psst, Bob" }).waitFor({ timeout: 10000 });
      await bob.phone.rooms.leave();
    } finally {
      await bob.stop();
    }
    await frame.locator("[data-testid=room-leave]").click();
    await frame.locator("[data-testid=room-join]").waitFor({ timeout: 10000 });
  });

  it("a message from outside arrives while the sidebar is hidden: a notification and the view's badge; opened, it shows as text and is read; a reply that cannot be delivered offers Send again", async () => {
    await harness.runCommand(page, "View: Show Explorer");
    const text = `hello from the gateway <b>bold?</b> https://example.com/x`;
    await execFileAsync("sipp", [
      "-sf", join(pbx.runDir, "conf/sipp/uac-message.xml"), "-s", "alice", "-key", "text", text, "-key", "ctype", "text/plain",
      "-m", "1", "-i", "127.0.0.1", "-p", "5099", "-nostdin", "-timeout", "20", "127.0.0.1:5060",
    ], { cwd: runDir });
    const toast = page.locator(".notification-toast", { hasText: "message from SMS Gateway" }).first();
    await toast.waitFor({ timeout: 10000 });
    await waitFor("the Softphone view's badge to count the message", async () => (await badgeText()) === "1", 10000, 200);
    await toast.locator("a.monaco-button, .monaco-button", { hasText: "Open" }).first().click();
    // The view was hidden, so VS Code made its webview afresh: click in the new one once it is there.
    const frame = await openConversation("sip:gateway@sms.example");
    const message = frame.locator("[data-testid=message]", { hasText: "hello from the gateway" });
    await message.waitFor({ timeout: 10000 });
    assert.ok((await message.locator("[data-testid=message-text]").textContent())!.includes("<b>bold?</b> https://example.com/x #1"), "markup shows as text");
    assert.equal(await message.locator("b").count(), 0);
    assert.equal(await message.locator("a").count(), 1, "the http URL is a link");
    await waitFor("the badge to clear once the conversation is read", async () => (await badgeText()) === "", 10000, 200);
    // The gateway's domain is not routable from the PBX: the reply fails, with its reason, and can be sent again.
    const input = frame.locator("[data-testid=message-input]");
    await input.fill("thanks");
    await input.press("Enter");
    const reply = frame.locator("[data-testid=message]", { hasText: "thanks" });
    await reply.locator('[data-testid=message-state]', { hasText: "failed" }).waitFor({ timeout: 40000 });
    await reply.locator("[data-testid=message-retry]").waitFor({ timeout: 2000 });
  });

  it("a contact end to end: Add… from the sidebar, its lamp available; Message; the reply arrives while the view is hidden (badge); answered from the sidebar; its lamp turns busy while it takes a call and available after", async () => {
    let frame = await showSidebar();
    await frame.locator("[data-testid=contact-add]").click();
    await quickInput(PBX.phone); // the address
    await quickInput("Desk phone"); // the name
    frame = await sidebarFrame();
    const contact = frame.locator(`[data-testid=contact][data-address="${PBX.phone}"]`);
    const lamp = () => contact.getAttribute("data-presence");
    await waitFor("the desk phone's lamp to say available (its registration, through the presence server)", async () => (await lamp()) === "idle", 30000, 200);

    // The previous test left a conversation open: back to the list of conversations.
    if (await frame.locator("[data-testid=messages-back]").count()) await frame.locator("[data-testid=messages-back]").click();
    await contact.locator("[data-testid=contact-message]").click();
    await quickInput("hello desk, are you there?");
    const item = frame.locator('[data-testid=conversation-item][data-peer="sip:phone@127.0.0.1"]');
    await item.waitFor({ timeout: 15000 });

    // The view goes out of sight; the desk phone answers (sipp, authenticated as "phone").
    await harness.runCommand(page, "View: Show Explorer");
    await execFileAsync("sipp", [
      "-sf", join(pbx.runDir, "conf/sipp/uac-message-auth.xml"), "-s", "alice", "-key", "from", "phone", "-key", "text", "on my way",
      "-au", "phone", "-ap", "phonepw", "-m", "1", "-i", "127.0.0.1", "-p", "5098", "-nostdin", "-timeout", "20", "127.0.0.1:5060",
    ], { cwd: runDir });
    await waitFor("the Softphone view's badge to count the reply", async () => (await badgeText()) === "1", 15000, 200);

    frame = await showSidebar();
    const conversation = await openConversation("sip:phone@127.0.0.1");
    await conversation.locator("[data-testid=message]", { hasText: "on my way" }).waitFor({ timeout: 10000 });
    await conversation.locator("[data-testid=message]", { hasText: "hello desk, are you there?" }).waitFor({ timeout: 5000 });
    await waitFor("the badge to clear once read", async () => (await badgeText()) === "", 10000, 200);
    const input = conversation.locator("[data-testid=message-input]");
    await input.fill("great, thanks");
    await input.press("Enter");
    await conversation.locator("[data-testid=message]", { hasText: "great, thanks" }).waitFor({ timeout: 10000 });

    // The contact takes a call (ours: baresip answers): the PBX's busy lamp reaches us.
    await conversation.locator("[data-testid=messages-back]").click().catch(() => undefined);
    frame = await sidebarFrame();
    await frame.locator(`[data-testid=contact][data-address="${PBX.phone}"] [data-testid=contact-call]`).click();
    await statusBar(/In call/).first().waitFor({ timeout: 30000 });
    const busy = frame.locator(`[data-testid=contact][data-address="${PBX.phone}"]`);
    await waitFor("the desk phone's lamp to say in a call", async () => (await busy.getAttribute("data-presence")) === "busy", 20000, 200);
    await statusBar(/In call/).first().click();
    await quickInput("Hang Up");
    await waitFor("the desk phone's lamp to say available again", async () => (await busy.getAttribute("data-presence")) === "idle", 20000, 200);
  });

  /** A user's bindings in Kamailio's location table (kamcmd ul.lookup lists each Contact). */
  const contactsOf = (user: string): string[] => {
    const out = execFileSync("kamcmd", ["-s", `unix:${join(pbx.runDir, "run/kamailio_ctl")}`, "ul.lookup", "location", user], { encoding: "utf8" });
    return [...out.matchAll(/^\s*Address: (.*)$/gm)].map((m) => m[1].trim());
  };
  const bindings = (user: string) => contactsOf(user).length;

  // Next to last: a second window (another project) on the same machine and accounts.
  it("two windows, one phone: one contact per account; an incoming call rings one notification, in the window the user is in, and is answered there; closing the owning window mid-call ends the call with BYE and hands the phone over, registered again within 5 s and the old contact gone", async () => {
    await waitFor("alice and carol registered once", () => bindings("alice") === 1 && bindings("carol") === 1, 15000, 200);
    const page2 = await session.ctx.newPage();
    page2.on("dialog", (d) => void d.accept());
    mkdirSync(join(runDir, "workspace2"), { recursive: true });
    await page2.goto(harness.workbenchUrl(session.cs, join(runDir, "workspace2")));
    await harness.waitForWorkbench(page2);
    // The second window shows the phone (mirrored from the first) without registering it again.
    await page2.locator("#workbench\\.parts\\.statusbar .statusbar-item:has(.codicon-pass-filled)", { hasText: "alice" }).waitFor({ timeout: 60000 });
    await sleep(2500);
    const aliceBefore = contactsOf("alice");
    assert.deepEqual({ alice: aliceBefore.length, carol: bindings("carol") }, { alice: 1, carol: 1 }, "one contact per account with two windows open");

    // The user works in the second window: the call is announced there, once.
    await page2.bringToFront();
    await pbx.baresip("dial", `sip:alice@${PBX.domain}`);
    const toastIn = (p: Page) => p.locator(".notification-toast", { hasText: "Incoming call from" });
    await waitFor("the incoming call's notification", async () => (await toastIn(page).count()) + (await toastIn(page2).count()) > 0, 20000, 100);
    await sleep(1500);
    assert.deepEqual({ first: await toastIn(page).count(), second: await toastIn(page2).count() }, { first: 0, second: 1 }, "one notification, in the window the user is in");
    await toastIn(page2).first().locator(".monaco-button", { hasText: "Answer" }).first().click();
    // Answered from the window that does not own the phone: both windows show the call.
    await harness.statusBarItem(page2, /In call \d+:\d\d/).first().waitFor({ timeout: 20000 });
    await statusBar(/In call \d+:\d\d/).first().waitFor({ timeout: 10000 });
    await waitFor("baresip in the call", async () => (await baresipCallCount(pbx)) === 1, 10000, 200);
    await harness.runCommand(page2, "Softphone: Hang Up");
    await harness.statusBarItem(page2, /Ended/).first().waitFor({ timeout: 15000 });
    await waitFor("baresip's call ended", async () => (await baresipCallCount(pbx)) === 0, 10000, 200);

    // A call placed from the second window is up when the owning window closes: it ends with BYE.
    await harness.runCommand(page2, "Softphone: Dial…");
    const input2 = page2.locator(".quick-input-widget input");
    await input2.waitFor({ state: "visible", timeout: 15000 });
    await input2.fill("phone");
    await sleep(150);
    await page2.keyboard.press("Enter");
    await harness.statusBarItem(page2, /In call \d+:\d\d/).first().waitFor({ timeout: 20000 });
    await waitFor("baresip in the call placed from the second window", async () => (await baresipCallCount(pbx)) === 1, 10000, 200);

    // The owning window closes: the second takes the phone over.
    const closedAt = Date.now();
    await page.close({ runBeforeUnload: true });
    page = page2;
    await waitFor("baresip's call ended by the closing window's BYE", async () => (await baresipCallCount(pbx)) === 0, 10000, 100);
    console.log(`      the call ended at baresip ${Date.now() - closedAt} ms after the owning window closed`);
    let aliceNow: string[] = [];
    const tookMs = await waitFor(`alice registered from the second window, the first window's contact gone (before: ${aliceBefore})`, () => {
      aliceNow = contactsOf("alice");
      return aliceNow.length === 1 && aliceNow[0] !== aliceBefore[0] ? Date.now() - closedAt : undefined;
    }, 20000, 100).catch((err) => {
      throw new Error(`${err.message}; alice's contacts now: ${JSON.stringify(aliceNow)}`);
    });
    console.log(`      handover: registered again ${tookMs} ms after the owning window closed`);
    assert.ok(tookMs <= 5000, `registered again within 5 s (took ${tookMs} ms)`);
    await waitFor("carol registered again", () => bindings("carol") === 1, 10000, 100);
    await page2.locator("#workbench\\.parts\\.statusbar .statusbar-item:has(.codicon-pass-filled)", { hasText: "alice" }).waitFor({ timeout: 10000 });
  });

  // Last: the window reloads (a new extension host; the old one is shut down).
  it("reloading the window shuts its extension host down cleanly: the old host's contacts leave the registrar, so Kamailio holds one per account", async () => {
    await waitFor("alice and carol registered once", () => bindings("alice") === 1 && bindings("carol") === 1, 15000, 200);
    await harness.runCommand(page, "Developer: Reload Window");
    // The new host registers anew (a new Contact); the old one's must be gone, not left to expire.
    await page.locator("#workbench\\.parts\\.statusbar .statusbar-item:has(.codicon-pass-filled)", { hasText: "alice" }).waitFor({ timeout: 60000 });
    await waitFor("carol registered again", () => bindings("carol") >= 1, 20000, 200);
    await sleep(1500);
    assert.deepEqual({ alice: bindings("alice"), carol: bindings("carol") }, { alice: 1, carol: 1 }, "one contact per account: the old host unregistered its own");
  });
});
