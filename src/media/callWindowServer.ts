// Serves the call window page on 127.0.0.1 and accepts its WebSocket back to the host.
// Security: everything lives under /call/<token>/ with a random 192-bit token, and requests
// whose Host or Origin is not ours are refused (blocks DNS rebinding and cross-site pages
// talking to the socket). Only a fixed list of files can be fetched.
import * as http from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import { safeUiText } from "../calls/remoteParty";

export interface CallWindowServerOptions {
  /** Directory holding callwindow.js (the built Svelte page). */
  webviewDir: string;
  /** Directory holding sounds (ring.wav). */
  mediaDir: string;
  log: Logger;
  /**
   * Port to listen on (127.0.0.1). A fixed port keeps the page's origin the same across VS Code
   * restarts, so the browser remembers its microphone/camera permission and device choices.
   * When another program holds it, a free port is used instead (and said once). 0: any port.
   */
  port?: number;
}

/** Default call-window port (setting `softphone.callWindowPort`). */
export const DEFAULT_CALL_WINDOW_PORT = 47811;

/** The only files served. A Map: a plain object would also "contain" constructor, __proto__… */
const FILES = new Map<string, { dir: "webview" | "media"; file: string; type: string }>([
  ["callwindow.js", { dir: "webview", file: "callwindow.js", type: "text/javascript; charset=utf-8" }],
  ["ring.wav", { dir: "media", file: "ring.wav", type: "audio/wav" }],
  ["ringback.wav", { dir: "media", file: "ringback.wav", type: "audio/wav" }],
]);

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "media-src 'self' blob: mediastream:",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Softphone — call window</title><link rel="icon" href="data:,"></head>
<body><div id="app"></div><script src="callwindow.js"></script></body></html>
`;

export class CallWindowServer {
  readonly token = randomBytes(24).toString("base64url");
  private server: http.Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly allowedAuthorities = new Set<string>();
  private readonly allowedOrigins = new Set<string>();
  private readonly refusedOrigins = new Set<string>();
  private _port = 0;
  /** Set when the wanted port was taken and another one is used. */
  private _portFallback: { wanted: number; used: number; reason: string } | undefined;
  private readonly _onSocket = new Emitter<WebSocket>();
  /** A call window connected its WebSocket (already authenticated). */
  readonly onSocket = this._onSocket.event;

  constructor(private readonly options: CallWindowServerOptions) {}

  get port(): number {
    return this._port;
  }

  /** The wanted port and the one used instead, when the wanted one could not be had. */
  get portFallback(): { wanted: number; used: number; reason: string } | undefined {
    return this._portFallback;
  }

  /** The page's address as seen from this machine. */
  get localUrl(): string {
    return `http://127.0.0.1:${this._port}/call/${this.token}/`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => {
      // Whatever goes wrong, the request gets an answer (a request left hanging is a stuck tab).
      this.onRequest(req, res).catch((err) => {
        this.options.log.warn(`call window: ${req.method} ${req.url?.slice(0, 80)} failed: ${messageOf(err)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end();
      });
    });
    server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
    server.on("clientError", (_err, socket) => socket.destroy());
    const wanted = this.options.port ?? DEFAULT_CALL_WINDOW_PORT;
    try {
      await listen(server, wanted);
    } catch (err) {
      if (wanted === 0) throw err;
      // Taken by another program (or another VS Code window's softphone): any free port works,
      // at the price of a new origin (the browser asks for permissions again).
      await listen(server, 0);
      const used = (server.address() as { port: number }).port;
      const reason = (err as NodeJS.ErrnoException).code === "EADDRINUSE" ? "in use by another program" : (err as Error).message;
      this._portFallback = { wanted, used, reason };
      this.options.log.warn(`call window: port ${wanted} is ${reason}; using ${used} this time (the browser will ask for microphone and camera permission again)`);
    }
    this.server = server;
    this._port = (server.address() as { port: number }).port;
    this.allowAuthority(`127.0.0.1:${this._port}`);
    this.allowAuthority(`localhost:${this._port}`);
  }

  /**
   * Accept an extra public authority for the page, e.g. the one `asExternalUri` maps us to
   * (code-server's /proxy/PORT/ path on its own host, or a forwarded port).
   */
  allowAuthority(authority: string, schemes: string[] = ["http", "https"]): void {
    const a = authority.toLowerCase();
    this.allowedAuthorities.add(a);
    for (const s of schemes) this.allowedOrigins.add(`${s}://${a}`);
  }

  /**
   * Stop taking new connections, keeping the ones open: the window that takes the phone over
   * can have the port at once while this one still says goodbye to its page.
   */
  stopListening(): void {
    this.server?.close();
  }

  dispose(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server?.close();
    this.server = undefined;
    this._onSocket.dispose();
  }

  private tokenFromPath(pathname: string): { ok: boolean; rest: string } {
    const m = /^\/call\/([A-Za-z0-9_-]+)(\/.*)?$/.exec(pathname);
    if (!m) return { ok: false, rest: "" };
    const given = Buffer.from(m[1]);
    const ours = Buffer.from(this.token);
    const ok = given.length === ours.length && timingSafeEqual(given, ours);
    return { ok, rest: m[2] ?? "" };
  }

  private hostAllowed(req: http.IncomingMessage): boolean {
    const host = (req.headers.host ?? "").toLowerCase();
    if (!this.allowedAuthorities.has(host)) return false;
    const origin = req.headers.origin;
    return origin === undefined || this.allowedOrigins.has(origin.toLowerCase());
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const { ok, rest } = this.tokenFromPath(url.pathname);
    if (!this.hostAllowed(req) || !ok || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(ok ? 403 : 404, { "content-type": "text/plain" }).end(ok ? "forbidden" : "not found");
      return;
    }
    const headers = {
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "permissions-policy": "microphone=(self), camera=(self)",
    };
    if (rest === "") {
      // Relative asset URLs need the trailing slash (also behind code-server's /proxy/PORT/).
      res.writeHead(302, { ...headers, location: `${this.token}/` }).end();
      return;
    }
    if (rest === "/" || rest === "/index.html") {
      res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8", "content-security-policy": CSP }).end(PAGE);
      return;
    }
    const entry = FILES.get(rest.slice(1));
    if (!entry) {
      res.writeHead(404, headers).end();
      return;
    }
    const path = join(entry.dir === "webview" ? this.options.webviewDir : this.options.mediaDir, entry.file);
    try {
      const st = await stat(path);
      res.writeHead(200, { ...headers, "content-type": entry.type, "content-length": st.size });
      if (req.method === "HEAD") res.end();
      else createReadStream(path).on("error", () => res.destroy()).pipe(res);
    } catch {
      res.writeHead(404, headers).end();
    }
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://x");
    const { ok, rest } = this.tokenFromPath(url.pathname);
    // A WebSocket always carries an Origin from a browser; require it to be ours.
    if (!ok || rest !== "/ws" || !this.hostAllowed(req) || !req.headers.origin) {
      // Once per origin: a page elsewhere retrying in a loop must not flood the log.
      const key = `${req.headers.host} ${req.headers.origin}`.slice(0, 300);
      if (!this.refusedOrigins.has(key) && this.refusedOrigins.size < 100) {
        this.refusedOrigins.add(key);
        this.options.log.warn(`call window: refused WebSocket from host=${safeUiText(req.headers.host)} origin=${safeUiText(req.headers.origin)} (further attempts from there are not logged)`);
      }
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this._onSocket.fire(ws));
  }
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve();
    });
  });
}
