// The paths the UI takes into the core, on the real PBX with the real call window page:
//  - the call window's buttons go through the one table of call actions;
//  - the sidebar settles on a call's final outcome however the timing falls.
//
// The sidebar must settle on a call's final outcome however the timing falls. Reported from a
// UI run: the status bar said "Ended" while the sidebar listed the same call as *Interrupted*:
// the sidebar was pushed when the call cleared, before the call's end record reached the
// history file, and nothing pushed it again afterwards.
//
// Here the late end record is forced, not hoped for: while the call is hung up, the test holds
// the history file's cross-process lock (as another VS Code window writing history would), so
// the end record lands only after the call has cleared. The sidebar's pushes go through the
// same SidebarPublisher the view uses, with a recording sink in place of the webview.
import assert from "node:assert/strict";
import { withFileLock } from "../../src/history/fileLock";
import { applySidebarPatch, type SidebarPatch, type SidebarState } from "../../src/protocol/sidebar";
import type { Softphone } from "../../src/softphone";
import { buildSidebarState, SidebarPublisher } from "../../src/ui/sidebarPublisher";
import { PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";
import { join } from "node:path";

describe("UI paths into the core (call window buttons, sidebar pushes) on the real PBX", function () {
  this.timeout(60000);
  let bench: PhoneBench;
  let phone: Softphone;
  let historyDir: string;
  /** What the sidebar shows after each message it got (full states and patches applied in order). */
  const pushes: SidebarState[] = [];
  const patches: SidebarPatch[] = [];
  let historyWrites = 0;
  let publisher: SidebarPublisher;

  before(async function () {
    this.timeout(120000);
    // Cleared calls linger far longer than this test: their removal must not be what pushes.
    bench = await startPhoneBench("ui-paths", [benchAccount("alice")], { lingerMs: 120000 });
    phone = bench.phone;
    historyDir = join(bench.runDir, "history");
    // A recording sidebar: it applies what it is sent exactly as webview/sidebar/hostLink.ts does.
    publisher = new SidebarPublisher(phone, {
      ready: true,
      send: (s) => pushes.push(s),
      patch: (p) => {
        patches.push(p);
        const shown = pushes.at(-1);
        if (shown) pushes.push(applySidebarPatch(shown, p));
      },
    });
    phone.history.onDidChange(() => historyWrites++);
    pushes.push(await buildSidebarState(phone)); // what the view's "sidebar.ready" request returns
  });

  after(async function () {
    this.timeout(30000);
    publisher?.dispose();
    await bench?.stop();
  });

  it("the call window's Mute, Resume/Hold and Hang up buttons act on the call through the action table", async () => {
    const id = await phone.calls.dial(PBX.phone);
    await waitFor("in call", () => phone.calls.get(id)?.state === "incall");
    const section = bench.pages.at(-1)!.locator(`section.call[data-state="incall"]`).first();
    await section.locator("button", { hasText: /^Mute$/ }).click();
    await waitFor("muted by the window's button", () => phone.calls.get(id)?.muted === true, 5000);
    await section.locator("button", { hasText: /^Hold$/ }).click();
    await waitFor("held by the window's button", () => phone.calls.get(id)?.held === true, 5000);
    await section.locator("button", { hasText: /^Resume$/ }).click();
    await waitFor("resumed", () => phone.calls.get(id)?.held === false, 5000);
    await section.locator("button", { hasText: /^Hang up$/ }).click();
    const cleared = await waitFor("cleared by the window's button", () => phone.calls.get(id)?.state === "cleared" && phone.calls.get(id)!, 5000);
    assert.equal(cleared.reason, "ended-local");
  });

  it("sends only what changed: a call's progress patches calls without history; history goes out when it is written", async () => {
    const id = await phone.calls.dial(PBX.phone);
    await waitFor("in call", () => phone.calls.get(id)?.state === "incall");
    await phone.calls.historySettled(id);
    await sleep(200);
    // Muting changes the call, not its history.
    const mark = { patches: patches.length, writes: historyWrites };
    phone.calls.setMuted(id, true);
    const mutedPatch = await waitFor("a patch showing the call muted", () => patches.slice(mark.patches).find((p) => p.calls?.some((c) => c.id === id && c.muted)), 5000);
    assert.equal(mutedPatch.history, undefined, "history is not re-read or re-sent for a call's progress");
    assert.equal(historyWrites, mark.writes);
    // Ending it writes history, and that is pushed.
    const beforeEnd = patches.length;
    await phone.calls.hangup(id);
    await phone.calls.historySettled(id);
    await waitFor("the ended call in the sidebar's history", () => pushes.at(-1)?.history.some((e) => e.id === id && e.outcome === "answered"), 5000);
    const withHistory = patches.slice(beforeEnd).filter((p) => p.history !== undefined);
    assert.ok(withHistory.length >= 1 && withHistory.every((p) => p.recentTargets !== undefined), "history goes out with its suggestions");
  });

  it("shows a call's final outcome once its end record is written, even when that lands after the call cleared", async () => {
    const id = await phone.calls.dial(PBX.phone);
    await waitFor("in call", () => phone.calls.get(id)?.state === "incall");
    await phone.calls.historySettled(id); // start and answer records are on disk

    // Hold the history lock across the hang-up: the end record waits for it.
    let locked!: () => void;
    const lockTaken = new Promise<void>((r) => (locked = r));
    let release!: () => void;
    const held = withFileLock(join(historyDir, "history.lock"), { staleMs: 30000 }, async () => {
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await lockTaken;
    const entryIn = (s: SidebarState | undefined) => s?.history.find((e) => e.id === id);
    try {
      await phone.calls.hangup(id);
      await waitFor("call cleared", () => phone.calls.get(id)?.state === "cleared");
      // The sidebar was told the call cleared while its end record could not be written yet:
      // this is the order that showed "Interrupted".
      const early = await waitFor("a push showing the cleared call", () => pushes.find((s) => s.calls.some((c) => c.id === id && c.state === "cleared")), 5000);
      assert.notEqual(entryIn(early)?.outcome, "answered", "the race was forced: the end record was not on disk at that push");
      await sleep(300);
    } finally {
      release();
      await held;
    }
    await phone.calls.historySettled(id);
    const final = await waitFor(
      "the sidebar to show the call as answered",
      () => entryIn(pushes.at(-1))?.outcome === "answered" && pushes.at(-1),
      5000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the last push shows it as ${entryIn(pushes.at(-1))?.outcome ?? "missing"}`);
    });
    assert.ok(entryIn(final)!.durationSec >= 0 && entryIn(final)!.endedAt, "the pushed entry carries the end record");
  });

  it("clearing the history empties the sidebar's list", async () => {
    assert.ok((entryCount(pushes.at(-1)) ?? 0) > 0, "history shown before clearing");
    await phone.history.clear();
    await waitFor("the sidebar to show an empty history", () => entryCount(pushes.at(-1)) === 0, 5000);
  });
});

const entryCount = (s: SidebarState | undefined) => s?.history.length;
