// Defects found by review, each shown on the real PBX with the real call window page before it
// was fixed (see the issue "One phone across VS Code windows … hardening").
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BrowserContext } from "playwright-core";
import { SessionState } from "sip.js";
import { Softphone } from "../../src/softphone";
import { consoleLogger } from "../../src/util/logger";
import { launchBrowser } from "../support/browser";
import { listenBaresipEvents, PBX, startPbx, type Pbx } from "../support/pbx";
import { sleep, waitFor } from "../support/wait";

const repo = resolve(__dirname, "../../..");
const runRoot = process.env.SOFTPHONE_RUN_DIR ?? join(repo, ".run");

describe("hardening on the real PBX", function () {
  this.timeout(60000);
  let pbx: Pbx;
  let browser: BrowserContext;
  let phone: Softphone;
  let runDir: string;
  /** A STUN server that never answers: ICE gathering then runs to its cap (500 ms) before the INVITE leaves. */
  let silentStun: dgram.Socket;
  let stunRequests = 0;

  before(async function () {
    this.timeout(120000);
    mkdirSync(runRoot, { recursive: true });
    runDir = mkdtempSync(join(runRoot, "it-hardening-"));
    pbx = await startPbx(join(runDir, "pbx"));
    browser = await launchBrowser(runDir);
    silentStun = dgram.createSocket("udp4");
    silentStun.on("message", () => stunRequests++);
    await new Promise<void>((r) => silentStun.bind(0, "127.0.0.1", () => r()));
    phone = new Softphone({
      log: { ...consoleLogger("it-hardening"), info: () => undefined },
      historyDir: join(runDir, "history"),
      webviewDir: join(repo, "dist/webview"),
      mediaDir: join(repo, "media"),
      password: async () => PBX.users.alice,
      openWindow: async (url) => void (await (await browser.newPage()).goto(url)),
      settings: () => ({ sipTrace: false, dtmfMode: "rfc4733" }),
    });
    const stun = `stun:127.0.0.1:${(silentStun.address() as { port: number }).port}`;
    await phone.start([{ id: "alice", label: "alice", server: PBX.ws, uri: `sip:alice@${PBX.domain}`, register: true, iceServers: [{ urls: stun }] }]);
    await waitFor("alice registered", () => phone.getState().accounts[0]?.state === "registered");
    await phone.media.ensureWindow();
  });

  after(async function () {
    this.timeout(30000);
    await phone?.dispose().catch(() => undefined);
    silentStun?.close();
    await browser?.close().catch(() => undefined);
    await pbx?.stop().catch(() => undefined);
    if (!process.env.KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
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
});
