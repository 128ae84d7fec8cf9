// What the call window page sends is not trusted: the page can be buggy, stale (a tab left open
// from an older session) or replaced by anything that got the URL. Real server, real engine,
// a real WebSocket client in place of the page (no browser needed for these messages).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { CallWindowServer } from "../../src/media/callWindowServer";
import { MediaEngine } from "../../src/media/mediaEngine";
import { CALL_WINDOW_PROTOCOL_VERSION } from "../../src/protocol/callWindow";
import type { Logger } from "../../src/util/logger";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("call window input", () => {
  const dir = mkdtempSync(join(tmpdir(), "engine-input-"));
  const warnings: string[] = [];
  const log: Logger = { trace: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  let server: CallWindowServer;
  let engine: MediaEngine;
  let errors: Array<{ message: string }>;
  let actions: unknown[];
  const sockets: WebSocket[] = [];

  beforeEach(async () => {
    server = new CallWindowServer({ webviewDir: dir, mediaDir: dir, log, port: 0 });
    await server.start();
    engine = new MediaEngine({ server, log, openWindow: async () => undefined, calls: () => [], iceServersFor: () => [] });
    errors = [];
    actions = [];
    engine.onError((e) => errors.push(e));
    engine.onCallAction((a) => actions.push(a));
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.terminate();
    engine.dispose();
    server.dispose();
  });

  async function page(): Promise<{ ws: WebSocket; note(method: string, params: unknown): void; request(method: string, params: unknown): Promise<{ result?: unknown; error?: string }> }> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/call/${server.token}/ws`, { origin: `http://127.0.0.1:${server.port}` });
    sockets.push(ws);
    await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
    let id = 1;
    return {
      ws,
      note: (method, params) => ws.send(JSON.stringify({ t: "note", method, params })),
      request: (method, params) =>
        new Promise((resolve, reject) => {
          const mine = id++;
          const timer = setTimeout(() => reject(new Error(`${method}: no reply within 2 s (socket stalled?)`)), 2000);
          ws.on("message", (data) => {
            const msg = JSON.parse(String(data));
            if (msg.t === "res" && msg.id === mine) {
              clearTimeout(timer);
              resolve(msg);
            }
          });
          ws.send(JSON.stringify({ t: "req", id: mine, method, params }));
        }),
    };
  }
  const hello = { protocolVersion: CALL_WINDOW_PROTOCOL_VERSION, mediaSessionIds: [], userAgent: "test" };

  it("a window that fails to open is reported to the caller, and nothing rejects unhandled later", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const failing = new MediaEngine({ server, log, openWindow: async () => Promise.reject(new Error("no browser here")), calls: () => [], iceServersFor: () => [] });
    try {
      await assert.rejects(failing.ensureWindow(300), /no browser here/);
      await sleep(600); // past the connect timeout
      assert.deepEqual(unhandled.map(String), []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      failing.dispose();
    }
  });

  it("a reconnecting page that still holds media for calls that ended meanwhile is told to close it, and those ids count for nothing", async () => {
    const p = await page();
    const notes: Array<{ method: string; params: unknown }> = [];
    p.ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.t === "note") notes.push({ method: msg.method, params: msg.params });
    });
    await p.request("window.hello", { ...hello, mediaSessionIds: ["ended-while-away", 7] });
    await sleep(100);
    assert.deepEqual(notes.filter((n) => n.method === "media.close"), [{ method: "media.close", params: { sessionId: "ended-while-away" } }]);
    // A stale id is not live media: a newer window is not told to stand down because of it.
    const newer = await page();
    const superseded: string[] = [];
    newer.ws.on("message", (data) => JSON.parse(String(data)).method === "window.superseded" && superseded.push("newer"));
    await newer.request("window.hello", hello);
    await sleep(100);
    assert.deepEqual(superseded, [], "the newer window stays");
  });

  it("malformed notifications (params null, wrong types) are dropped and the socket stays usable", async () => {
    const p = await page();
    for (const method of ["call.action", "media.stats", "media.error", "window.closing"]) {
      p.note(method, null);
      p.note(method, 42);
      p.note(method, "text");
    }
    const reply = await p.request("window.hello", hello);
    assert.equal(reply.error, undefined);
    assert.deepEqual(reply.result, { calls: [], room: null });
    assert.equal(engine.connected, true);
  });

  it("notifications before the page's hello are ignored", async () => {
    const p = await page();
    p.note("media.error", { message: "before hello" });
    p.note("call.action", { action: "hangup" });
    await sleep(100);
    assert.deepEqual(errors, []);
    assert.deepEqual(actions, []);
  });

  it("a socket that is not the active window cannot speak for the calls", async () => {
    const active = await page();
    await active.request("window.hello", hello);
    const other = await page(); // connected, never said hello
    other.note("media.error", { message: "from a stranger" });
    other.note("call.action", { action: "hangup" });
    await sleep(100);
    assert.deepEqual(errors, []);
    assert.deepEqual(actions, []);
    active.note("call.action", { action: "hangup" });
    await sleep(100);
    assert.deepEqual(actions, [{ action: "hangup" }], "the active window still can");
  });

  it("stats for media session ids the host never gave the page are not stored", async () => {
    const p = await page();
    await p.request("window.hello", hello);
    p.note("media.stats", { sessionId: "made-up", bytesSent: 1, bytesReceived: 1, packetsReceived: 1, inboundLevel: 0, outboundLevel: 0 });
    await sleep(100);
    assert.equal(engine.statsFor("made-up"), undefined);
  });

  it("an error text from the page reaches the UI plain: no links, no icons, no bidi or control characters", async () => {
    const p = await page();
    await p.request("window.hello", hello);
    p.note("media.error", { message: "Failed to set remote offer: a=[click me](command:workbench.action.quit) $(alert)\u202egnp.exe\u0007" });
    await sleep(100);
    assert.equal(errors.length, 1);
    const text = errors[0].message;
    assert.doesNotMatch(text, /\]\(/, "no link syntax (VS Code links need `](` adjacent)");
    assert.doesNotMatch(text, /\$\(/, "no icon syntax");
    assert.doesNotMatch(text, /[\u202a-\u202e\u0000-\u001f]/, "no bidi or control characters");
    assert.match(text, /click me/, "still readable");
  });
});
