// When a call's ICE fails — or stays disconnected past a grace — the call restarts it (re-INVITE
// with new credentials), again after each loss of the restarted ICE, spaced by a minimum gap,
// until it connects; an ended call is forgotten.
import assert from "node:assert/strict";
import { IceRestarts } from "../../src/calls/iceRestart";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rig(gapMs = 30, graceMs = 100) {
  const restarts: Array<{ callId: string; at: number }> = [];
  const reports: string[] = [];
  let fail = false;
  const ice = new IceRestarts(
    async (callId) => {
      restarts.push({ callId, at: Date.now() });
      await sleep(5); // the re-INVITE's round trip
      if (fail) throw new Error("not in progress");
    },
    (callId, text) => reports.push(`${callId}: ${text}`),
    { minGapMs: gapMs, disconnectedGraceMs: graceMs },
  );
  return { ice, restarts, reports, failRestarts: () => void (fail = true) };
}

describe("ICE restarts", () => {
  it("'failed' restarts ICE at once; 'disconnected' only after its grace, and not if it reconnects within it", async () => {
    const r = rig(30, 150);
    r.ice.changed("a", "disconnected");
    await sleep(50);
    r.ice.changed("a", "connected"); // came back by itself
    await sleep(200);
    assert.equal(r.restarts.length, 0, "a short disconnection is left to ICE");
    r.ice.changed("a", "disconnected");
    await sleep(60);
    assert.equal(r.restarts.length, 0, "not within the grace");
    await sleep(200);
    assert.equal(r.restarts.length, 1, "disconnected past the grace: restarted");
    r.ice.changed("b", "failed");
    await sleep(20);
    assert.deepEqual(r.restarts.map((x) => x.callId), ["a", "b"], "failed: at once");
  });

  it("a restarted ICE that fails again is restarted again, no sooner than the gap; connected stops it", async () => {
    const r = rig(400);
    r.ice.changed("a", "failed");
    await sleep(50);
    r.ice.changed("a", "failed"); // the new credentials found no path either
    await sleep(100);
    assert.equal(r.restarts.length, 1, "not again within the gap");
    await sleep(500);
    assert.equal(r.restarts.length, 2, "again once the gap is over");
    assert.ok(r.restarts[1].at - r.restarts[0].at >= 395, `spaced by the gap (${r.restarts[1].at - r.restarts[0].at} ms)`);
    r.ice.changed("a", "failed"); // lost again...
    r.ice.changed("a", "connected"); // ...and back before the gap was over
    await sleep(500);
    assert.equal(r.restarts.length, 2, "connected again: no more restarts");
  });

  it("a call forgotten (ended) is not restarted; a restart that cannot be made is reported", async () => {
    const r = rig(40);
    r.ice.changed("a", "failed");
    r.ice.forget("a");
    await sleep(60);
    assert.equal(r.restarts.length, 0);
    r.failRestarts();
    r.ice.changed("b", "failed");
    await sleep(30);
    assert.deepEqual(r.reports, ["b: ICE restart failed: not in progress"]);
  });
  it("a network change restarts a connected call's ICE at once, and twice in a row only after the gap", async () => {
    const r = rig(200, 1000);
    r.ice.changed("a", "connected");
    r.ice.now("a");
    await sleep(20);
    assert.equal(r.restarts.length, 1, "restarted without any loss reported");
    r.ice.now("a");
    await sleep(50);
    assert.equal(r.restarts.length, 1, "not again within the gap");
    await sleep(250);
    assert.equal(r.restarts.length, 2, "the second change is honoured after the gap");
    assert.ok(r.restarts[1].at - r.restarts[0].at >= 195);
  });
});
