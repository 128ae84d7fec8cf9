// Defects found by review, each shown on the real PBX with the real call window page before it
// was fixed (see the issue "One phone across VS Code windows … hardening").
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import { SessionState } from "sip.js";
import type { Softphone } from "../../src/softphone";
import { listenBaresipEvents, PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

describe("hardening on the real PBX", function () {
  this.timeout(60000);
  let bench: PhoneBench;
  let phone: Softphone;
  /** A STUN server that never answers: ICE gathering then runs to its cap (500 ms) before the INVITE leaves. */
  let silentStun: dgram.Socket;
  let stunRequests = 0;

  before(async function () {
    this.timeout(120000);
    silentStun = dgram.createSocket("udp4");
    silentStun.on("message", () => stunRequests++);
    await new Promise<void>((r) => silentStun.bind(0, "127.0.0.1", () => r()));
    const stun = `stun:127.0.0.1:${(silentStun.address() as { port: number }).port}`;
    bench = await startPhoneBench("hardening", [benchAccount("alice", { iceServers: [{ urls: stun }] }), benchAccount("bob")]);
    phone = bench.phone;
    await phone.media.ensureWindow();
  });

  after(async function () {
    this.timeout(30000);
    await bench?.stop();
    silentStun?.close();
  });

  it("an incoming-call flood: beyond 4 ringing calls, more are refused with 486 — no notification, no history entry", async () => {
    const notified: string[] = [];
    const sub = phone.calls.onIncoming((c) => c.accountId === "bob" && notified.push(c.id));
    const historyBefore = (await phone.history.list()).length;
    try {
      const callers = await Promise.all(Array.from({ length: 6 }, () => phone.calls.dial("bob", { accountId: "alice" })));
      const refused = await waitFor(
        "two callers refused",
        () => {
          const r = callers.filter((id) => phone.calls.get(id)?.state === "cleared");
          return r.length >= 2 && r;
        },
        10000,
      );
      await sleep(500);
      assert.equal(refused.length, 2, "exactly the calls over the limit are refused");
      for (const id of refused) {
        assert.equal(phone.calls.get(id)?.reason, "busy");
        assert.equal(phone.calls.get(id)?.status, 486);
      }
      const ringingAtBob = phone.calls.views().filter((c) => c.accountId === "bob" && c.state === "ringing");
      assert.equal(ringingAtBob.length, 4);
      assert.equal(notified.length, 4, "one notification per call that rings, none for the refused");
      for (const id of callers) await phone.calls.hangup(id);
      await waitFor("all cleared", () => phone.calls.views().every((c) => c.state === "cleared"), 10000);
      await Promise.all(phone.calls.views().map((c) => phone.calls.historySettled(c.id)));
      const added = (await phone.history.list()).length - historyBefore;
      assert.equal(added, 6 + 4, "6 outgoing calls and the 4 that rang at bob; the refused ones left no entry at bob");
    } finally {
      sub.dispose();
    }
  });

  it("hanging up before the INVITE leaves (ICE still gathering) cancels it: no ghost call reaches the far end", async () => {
    const events = await listenBaresipEvents();
    try {
      const id = await phone.calls.dial(PBX.phone);
      const session = phone.calls.get(id)!.session!;
      await waitFor("ICE gathering under way (our silent STUN server asked)", () => stunRequests > 0, 3000, 5);
      assert.equal(session.state, SessionState.Initial, "the INVITE has not left yet");
      await phone.calls.hangup(id);
      const cleared = await waitFor("cleared", () => phone.calls.get(id)?.state === "cleared" && phone.calls.get(id)!, 5000);
      assert.equal(cleared.reason, "cancelled");
      // Long past the 500 ms gathering cap: an INVITE that was still going to leave has left.
      await sleep(2500);
      // baresip answers at once: any call event (incoming, established…) means our INVITE reached it.
      const rang = events.events.filter((e) => e.type.startsWith("CALL_"));
      assert.deepEqual(rang, [], `baresip saw no call (events: ${events.events.map((e) => e.type).join(" ")})`);
      assert.equal(session.state, SessionState.Terminated, `the sip.js session is over, not waiting to send (baresip events: ${events.events.map((e) => e.type).join(" ")})`);
    } finally {
      events.close();
    }
  });

  // Last in this file: it takes the host away.
  it("a call window whose host is gone lets go of its media: peer connections closed, microphone released", async function () {
    this.timeout(45000);
    const id = await phone.calls.dial(PBX.phone);
    await waitFor("in call", () => phone.calls.get(id)?.state === "incall", 15000);
    const page = bench.pages.at(-1)!;
    const media = () =>
      page.evaluate(() => {
        const cw = (globalThis as any).softphoneCallWindow;
        return { microphone: cw.microphoneLive() as boolean, sessions: cw.sessionCount() as number };
      });
    assert.deepEqual(await media(), { microphone: true, sessions: 1 });
    // VS Code closed or crashed: the page's server and socket are gone, and a restarted VS Code
    // would serve a new secret path, so this page can never reconnect.
    phone.server.dispose();
    await waitFor("the page to release its media", async () => {
      const m = await media();
      return !m.microphone && m.sessions === 0;
    }, 25000, 250);
    assert.match(await page.locator('[data-testid="link-state"]').innerText(), /not answering/);
  });
});
