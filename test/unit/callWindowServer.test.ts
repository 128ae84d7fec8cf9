// The call window's origin (scheme, host, port) must stay the same across VS Code restarts:
// browsers key microphone/camera permission and saved device ids by origin. So the server
// listens on a fixed port, and only when another program holds it does it take a free one,
// saying so once. Real sockets on 127.0.0.1, no PBX needed.
import assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import WebSocket from "ws";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CallWindowServer, DEFAULT_CALL_WINDOW_PORT } from "../../src/media/callWindowServer";
import type { Logger } from "../../src/util/logger";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** GET a path on the server as the call window's browser would (our Host); rejects after 2 s. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: { host: `127.0.0.1:${port}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer within 2 s`)));
    req.on("error", reject);
  });
}

describe("call window server files", () => {
  const dir = mkdtempSync(join(tmpdir(), "cws-files-"));
  const log: Logger = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

  it("answers 404 at once for names that exist on every object (constructor, __proto__, toString)", async () => {
    const s = new CallWindowServer({ webviewDir: dir, mediaDir: dir, log, port: 0 });
    await s.start();
    try {
      for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
        assert.equal(await get(s.port, `/call/${s.token}/${name}`), 404, name);
      }
      assert.equal(await get(s.port, `/call/${s.token}/`), 200, "the page itself still loads");
    } finally {
      s.dispose();
    }
  });
});

describe("call window server WebSocket refusals", () => {
  const dir = mkdtempSync(join(tmpdir(), "cws-ws-"));

  it("refuses foreign origins and logs each origin once, not once per attempt", async () => {
    const warnings: string[] = [];
    const log: Logger = { trace: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
    const s = new CallWindowServer({ webviewDir: dir, mediaDir: dir, log, port: 0 });
    await s.start();
    const attempt = (origin: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/call/${s.token}/ws`, { origin });
        ws.on("open", () => (ws.close(), resolve("opened")));
        ws.on("unexpected-response", (_req, res) => resolve(String(res.statusCode)));
        ws.on("error", () => resolve("error"));
      });
    try {
      for (let i = 0; i < 5; i++) assert.equal(await attempt("http://evil.example"), "403");
      assert.equal(await attempt("http://other.example"), "403");
      assert.equal(await attempt(`http://127.0.0.1:${s.port}`), "opened", "our own page still connects");
      const refusals = warnings.filter((w) => /refused WebSocket/.test(w));
      assert.equal(refusals.length, 2, refusals.join("\n"));
      assert.match(refusals[0], /evil\.example/);
      assert.match(refusals[1], /other\.example/);
    } finally {
      s.dispose();
    }
  });
});

describe("call window server port", () => {
  const dir = mkdtempSync(join(tmpdir(), "cws-"));
  const warnings: string[] = [];
  const log: Logger = { trace: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const server = (port?: number) => new CallWindowServer({ webviewDir: dir, mediaDir: dir, log, port });
  const origin = (s: CallWindowServer) => new URL(s.localUrl).origin;

  beforeEach(() => (warnings.length = 0));

  it("listens on the fixed default port when none is configured", async () => {
    const s = server();
    await s.start();
    try {
      // Outside a test network namespace a running softphone may hold it: then it must say so.
      const wanted = s.portFallback?.wanted ?? s.port;
      assert.equal(wanted, DEFAULT_CALL_WINDOW_PORT);
      assert.equal(DEFAULT_CALL_WINDOW_PORT, 47811, "changing the default moves every user's origin (permissions asked again)");
    } finally {
      s.dispose();
    }
  });

  it("keeps the same origin across a restart (a new server, a new token, the same port)", async () => {
    const port = await freePort();
    const first = server(port);
    await first.start();
    const before = origin(first);
    const token = first.token;
    first.dispose();
    const second = server(port);
    await second.start();
    try {
      assert.equal(origin(second), before);
      assert.equal(origin(second), `http://127.0.0.1:${port}`);
      assert.notEqual(second.token, token, "the secret path still changes on every start");
      assert.equal(second.portFallback, undefined);
      assert.deepEqual(warnings, []);
    } finally {
      second.dispose();
    }
  });

  it("falls back to a free port when another program holds the wanted one, and says so once", async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(port, "127.0.0.1", () => r()));
    const s = server(port);
    try {
      await s.start();
      assert.notEqual(s.port, port);
      assert.ok(s.port > 0);
      assert.deepEqual(s.portFallback, { wanted: port, used: s.port, reason: "in use by another program" });
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], new RegExp(`port ${port} is in use by another program; using ${s.port}`));
      await s.start(); // idempotent: no second notice
      assert.equal(warnings.length, 1);
    } finally {
      s.dispose();
      squatter.close();
    }
  });
});
