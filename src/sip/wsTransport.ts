// SIP over WebSocket (RFC 7118) for sip.js in the extension host, on the `ws` package.
// sip.js's own transport uses the browser's global WebSocket; in Node we want `ws`, and we want
// connection failures classified (refused / timeout / TLS / DNS / HTTP) so the account can show
// the user *why* it is offline. Reconnecting is not done here: src/sip/sipAccount.ts owns that.
import WebSocket from "ws";
import { EmitterImpl, TransportState } from "sip.js";
import type { Core, Emitter, Transport } from "sip.js";

type Logger = Core.Logger;
import { describeConnectionError } from "./connectionError";
import { checkRequest } from "./requestCheck";

export interface WsTransportOptions {
  server: string;
  /** Give up opening the socket after this long. */
  connectionTimeoutMs?: number;
  /** Send a WebSocket ping this often; no pong before the next one means the link is dead. */
  keepAliveIntervalMs?: number;
  /** Called with every SIP message in and out (for the SIP trace), already redacted. */
  trace?: (direction: "in" | "out", message: string) => void;
}

export class WsTransport implements Transport {
  readonly protocol: string;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  private _state = TransportState.Disconnected;
  private readonly _stateChange = new EmitterImpl<TransportState>();
  private ws: WebSocket | undefined;
  private connecting: Promise<void> | undefined;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  private awaitingPong = false;
  private disposed = false;
  private readonly options: Required<Omit<WsTransportOptions, "trace">> & Pick<WsTransportOptions, "trace">;

  constructor(
    private readonly logger: Logger,
    options: WsTransportOptions,
  ) {
    this.options = { connectionTimeoutMs: 5000, keepAliveIntervalMs: 20000, ...options };
    this.protocol = options.server.startsWith("wss:") ? "WSS" : "WS";
  }

  get state(): TransportState {
    return this._state;
  }

  get stateChange(): Emitter<TransportState> {
    return this._stateChange;
  }

  isConnected(): boolean {
    return this._state === TransportState.Connected;
  }

  connect(): Promise<void> {
    if (this.disposed) return Promise.reject(new Error("transport disposed"));
    if (this._state === TransportState.Connected) return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.setState(TransportState.Connecting);
    this.connecting = new Promise<void>((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(this.options.server, "sip", {
        handshakeTimeout: this.options.connectionTimeoutMs,
        // A SIP message is small; a megabyte cap stops a hostile server exhausting memory.
        maxPayload: 1024 * 1024,
        perMessageDeflate: false,
      });
      this.ws = ws;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        this.connecting = undefined;
        this.ws = undefined;
        ws.removeAllListeners();
        ws.on("error", () => undefined);
        ws.terminate();
        this.setState(TransportState.Disconnected);
        reject(err);
      };
      ws.once("open", () => {
        if (settled) return;
        settled = true;
        this.connecting = undefined;
        ws.removeAllListeners("error");
        ws.on("error", (err) => this.logger.warn(`WebSocket error: ${err.message}`));
        ws.on("message", (data, isBinary) => this.receive(data, isBinary));
        ws.on("close", (code, reason) => this.onClose(ws, code, reason.toString()));
        ws.on("pong", () => (this.awaitingPong = false));
        this.setState(TransportState.Connected);
        this.startKeepAlive();
        resolve();
        this.onConnect?.();
      });
      ws.once("unexpected-response", (_req, res) => {
        fail(new Error(`server refused the WebSocket upgrade (HTTP ${res.statusCode} ${res.statusMessage ?? ""})`.trim()));
      });
      ws.once("error", (err) => fail(describeConnectionError(err, this.options.server)));
      ws.once("close", () => fail(new Error(`connection to ${this.options.server} closed during the handshake`)));
    });
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    this.stopKeepAlive();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) {
      if (this._state !== TransportState.Disconnected) this.setState(TransportState.Disconnected);
      return;
    }
    this.setState(TransportState.Disconnecting);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      ws.removeAllListeners("close");
      ws.once("close", done);
      ws.on("error", () => undefined);
      try {
        ws.close(1000, "bye");
      } catch {
        ws.terminate();
      }
      // A server that never completes the closing handshake must not hang deactivation.
      setTimeout(() => {
        ws.terminate();
        done();
      }, 1000).unref?.();
    });
    this.setState(TransportState.Disconnected);
    this.onDisconnect?.();
  }

  async dispose(): Promise<void> {
    await this.disconnect();
    this.disposed = true;
    this._stateChange.removeAllListeners();
  }

  send(message: string): Promise<void> {
    const ws = this.ws;
    if (!ws || this._state !== TransportState.Connected) {
      return Promise.reject(new Error("not connected to the SIP server"));
    }
    this.options.trace?.("out", message);
    return new Promise((resolve, reject) => ws.send(message, (err) => (err ? reject(err) : resolve())));
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
    // RFC 5626 keep-alive pong (CRLF) carries no SIP message.
    if (!isBinary && text === "\r\n") return;
    this.options.trace?.("in", text);
    // What the RFC says to refuse and sip.js would take (see requestCheck.ts) is answered here.
    const refusal = checkRequest(text);
    if (refusal) {
      this.logger.warn(`refused a malformed request: ${refusal.status} ${refusal.reason}`);
      if (refusal.response) {
        this.options.trace?.("out", refusal.response);
        this.ws?.send(refusal.response);
      }
      return;
    }
    try {
      this.onMessage?.(text);
    } catch (err) {
      // sip.js already drops messages it cannot parse; an exception here is a bug in a
      // handler. Log it and keep the connection: one bad message must not take the phone down.
      this.logger.error(`error handling incoming SIP message: ${String(err)}`);
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.stopKeepAlive();
    this.setState(TransportState.Disconnected);
    const why = reason ? `${code} ${reason}` : String(code);
    this.onDisconnect?.(new Error(`connection to ${this.options.server} lost (WebSocket close ${why})`));
  }

  /**
   * Check the connection now (the machine's network changed): a ping that must be answered within
   * `timeoutMs`, else the connection is ended and the account reconnects — instead of waiting up
   * to two keep-alive intervals for a path that may be gone.
   */
  probe(timeoutMs = 3000): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    let answered = false;
    const onPong = () => (answered = true);
    ws.once("pong", onPong);
    try {
      ws.ping();
    } catch {
      ws.terminate();
      return;
    }
    setTimeout(() => {
      ws.off("pong", onPong);
      if (answered || this.ws !== ws) return;
      this.logger.warn(`no answer to a ping within ${timeoutMs} ms after the network changed: reconnecting`);
      ws.terminate();
    }, timeoutMs).unref?.();
  }

  private startKeepAlive(): void {
    this.stopKeepAlive();
    this.awaitingPong = false;
    this.keepAliveTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws) return;
      if (this.awaitingPong) {
        // No pong since the last ping: the server or the path is gone. Terminate so that
        // onClose fires and the account reconnects, instead of waiting for TCP to notice.
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }, this.options.keepAliveIntervalMs);
    this.keepAliveTimer.unref?.();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  private setState(state: TransportState): void {
    if (this._state === state) return;
    this._state = state;
    this._stateChange.emit(state);
  }
}
