// One connection to a Janus server's WebSocket API (subprotocol "janus-protocol"): one Janus
// session on it, kept alive, and plugin handles attached to it. Requests carry a transaction id;
// a plugin request is answered either at once ("success") or with an "ack" and later an "event"
// carrying the same transaction (join, configure, start…). Errors of Janus itself and of its
// plugins become JanusError with the code and reason Janus gave. No vscode import.
import { randomUUID } from "node:crypto";
import WebSocket from "ws";

export class JanusError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** A message Janus sent about a handle without our asking (a plugin event, webrtcup, hangup…). */
export interface JanusEvent {
  janus: string;
  sender?: number;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: { type: "offer" | "answer"; sdp: string };
  [key: string]: unknown;
}

export interface PluginReply {
  data: Record<string, unknown>;
  jsep?: { type: "offer" | "answer"; sdp: string };
}

interface Pending {
  resolve(msg: JanusEvent): void;
  reject(err: Error): void;
  /** Plugin messages may be acknowledged first and answered by an event later. */
  waitsPastAck: boolean;
  timer: ReturnType<typeof setTimeout>;
}

export interface JanusConnectionOptions {
  /** How long a request may wait for its answer. Default 15 s. */
  requestTimeoutMs?: number;
  /** Keepalive interval; must be below the server's session_timeout (60 s by default). Default 25 s. */
  keepaliveMs?: number;
  /**
   * After the socket drops, wait this long before each try to reconnect and reclaim the Janus
   * session (the server keeps it for its reclaim_session_timeout). Default 0.5, 1, 2, 4 s.
   */
  reclaimDelaysMs?: number[];
  /** Janus's api_secret, sent with every request when the server wants one. */
  apiSecret?: string;
}

/** Janus's "unauthorized request": a wrong or missing API secret (or token). */
const UNAUTHORIZED = 403;

/** Janus's "no such session": the server did not keep ours (reclaim_session_timeout is 0, or it restarted). */
const NO_SUCH_SESSION = 458;

export class JanusConnection {
  private ws: WebSocket | undefined;
  private sessionId: number | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly handleListeners = new Map<number, (event: JanusEvent) => void>();
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private closedListeners: Array<(reason: string) => void> = [];
  private reclaimedListeners: Array<() => void> = [];
  private droppedListeners: Array<() => void> = [];
  /** The socket dropped and we are trying to reclaim the session: settles when that is decided. */
  private reclaiming: Promise<void> | undefined;
  private closing = false;

  constructor(
    readonly url: string,
    private readonly options: JanusConnectionOptions = {},
  ) {}

  /** Connect and create the Janus session. */
  async open(): Promise<void> {
    await this.connectSocket();
    const created = await this.request({ janus: "create" }).catch((err) => {
      this.ws?.close();
      if (err instanceof JanusError && err.code === UNAUTHORIZED) {
        throw new JanusError(
          `the rooms server at ${this.url} refused us: ${this.options.apiSecret ? "wrong API secret" : "it wants an API secret"} (set it with "Softphone: Set Rooms Server Secrets…")`,
          err.code,
        );
      }
      throw err;
    });
    this.sessionId = (created.data as { id: number }).id;
    this.startKeepalive();
  }

  private async connectSocket(): Promise<void> {
    const ws = new WebSocket(this.url, "janus-protocol");
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", (err) => reject(new JanusError(`cannot reach the rooms server at ${this.url}: ${err.message}`)));
    });
    ws.on("message", (raw) => this.receive(String(raw)));
    ws.on("close", () => {
      if (this.ws === ws) void this.dropped();
    });
    ws.on("error", () => undefined); // "close" follows and says it
  }

  private startKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = setInterval(() => void this.request({ janus: "keepalive" }).catch(() => undefined), this.options.keepaliveMs ?? 25000);
    this.keepalive.unref?.();
  }

  /**
   * The socket went away under us (the network, a proxy, the server). The Janus session — our
   * handles, our place in rooms, the peer connections' other ends — may still be on the server:
   * reconnect and claim it, a few times. Only when that fails is the connection lost (the owner
   * then joins again from scratch). Requests in flight when it dropped fail; nothing is resent.
   */
  private dropped(): Promise<void> {
    if (this.reclaiming) return this.reclaiming;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
    this.failPending(new JanusError("the connection to the rooms server dropped"));
    if (this.closing || this.sessionId === undefined) {
      this.lost("the connection to the rooms server closed");
      return Promise.resolve();
    }
    this.reclaiming = this.reclaim().finally(() => (this.reclaiming = undefined));
    for (const l of [...this.droppedListeners]) l();
    return this.reclaiming;
  }

  private async reclaim(): Promise<void> {
    for (const delay of this.options.reclaimDelaysMs ?? [500, 1000, 2000, 4000]) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.closing) break;
      try {
        await this.connectSocket();
        await this.request({ janus: "claim" });
        this.startKeepalive();
        for (const l of [...this.reclaimedListeners]) l();
        return;
      } catch (err) {
        const ws = this.ws;
        this.ws = undefined; // its close must not start another round
        ws?.terminate();
        if (err instanceof JanusError && err.code === NO_SUCH_SESSION) break; // gone for good
      }
    }
    this.lost("the connection to the rooms server closed");
  }

  /** Resolves once the connection is usable (now, or after a reclaim); rejects if it is lost. */
  async ready(): Promise<void> {
    if (this.reclaiming) await this.reclaiming;
    if (!this.connected) throw new JanusError("not connected to the rooms server");
  }

  /** Whether the socket dropped and the session is being reclaimed. */
  get isReclaiming(): boolean {
    return this.reclaiming !== undefined;
  }

  /** Told when the socket drops and a reclaim starts. */
  onDropped(listener: () => void): void {
    this.droppedListeners.push(listener);
  }

  /** Told when the session was reclaimed after a drop (events sent meanwhile are lost: look again). */
  onReclaimed(listener: () => void): void {
    this.reclaimedListeners.push(listener);
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.sessionId !== undefined && !this.reclaiming;
  }

  /** Told once when the connection goes (closed by the server, the network, or us). */
  onClosed(listener: (reason: string) => void): void {
    this.closedListeners.push(listener);
  }

  /** Attach a plugin handle; `onEvent` receives what Janus sends about it unasked. */
  async attach(plugin: string, onEvent: (event: JanusEvent) => void): Promise<number> {
    const reply = await this.request({ janus: "attach", plugin });
    const id = (reply.data as { id: number }).id;
    this.handleListeners.set(id, onEvent);
    return id;
  }

  async detach(handleId: number): Promise<void> {
    this.handleListeners.delete(handleId);
    if (this.connected) await this.request({ janus: "detach", handle_id: handleId }).catch(() => undefined);
  }

  /** A plugin request; resolves with the plugin's data (and JSEP), rejects with its error. */
  async message(handleId: number, body: Record<string, unknown>, jsep?: { type: string; sdp: string }): Promise<PluginReply> {
    const reply = await this.request({ janus: "message", handle_id: handleId, body, ...(jsep ? { jsep } : {}) }, true);
    const data = reply.plugindata?.data ?? {};
    if (typeof data.error_code === "number") throw new JanusError(String(data.error ?? `error ${data.error_code}`), data.error_code);
    return { data, ...(reply.jsep ? { jsep: reply.jsep } : {}) };
  }

  /** Our ICE candidates for a handle's peer connection (null: gathering is complete). */
  trickle(handleId: number, candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null): void {
    void this.request({ janus: "trickle", handle_id: handleId, candidate: candidate ?? { completed: true } }).catch(() => undefined);
  }

  /** Destroy the session and close. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.connected) await this.request({ janus: "destroy" }).catch(() => undefined);
    this.ws?.close();
    this.lost("closed");
  }

  private request(body: Record<string, unknown>, waitsPastAck = false): Promise<JanusEvent> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new JanusError("not connected to the rooms server"));
    const transaction = randomUUID();
    const msg = {
      ...body,
      transaction,
      ...(this.sessionId !== undefined && body.janus !== "create" ? { session_id: this.sessionId } : {}),
      ...(this.options.apiSecret ? { apisecret: this.options.apiSecret } : {}),
    };
    return new Promise<JanusEvent>((resolve, reject) => {
      const ms = this.options.requestTimeoutMs ?? 15000;
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new JanusError(`the rooms server did not answer "${String(body.janus)}${body.body ? ` ${String((body.body as { request?: string }).request)}` : ""}" within ${ms / 1000} s`));
      }, ms);
      this.pending.set(transaction, { resolve, reject, waitsPastAck, timer });
      ws.send(JSON.stringify(msg));
    });
  }

  private receive(text: string): void {
    let msg: JanusEvent & { transaction?: string; error?: { code: number; reason: string } };
    try {
      msg = JSON.parse(text);
    } catch {
      return; // not JSON: nothing to do with it
    }
    const pending = msg.transaction ? this.pending.get(msg.transaction) : undefined;
    if (pending) {
      if (msg.janus === "ack" && pending.waitsPastAck) return;
      this.pending.delete(msg.transaction!);
      clearTimeout(pending.timer);
      if (msg.janus === "error") pending.reject(new JanusError(msg.error?.reason ?? "error", msg.error?.code));
      else pending.resolve(msg);
      return;
    }
    if (typeof msg.sender === "number") this.handleListeners.get(msg.sender)?.(msg);
  }

  private failPending(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private lost(reason: string): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
    this.sessionId = undefined;
    this.failPending(new JanusError(reason));
    const listeners = this.closedListeners;
    this.closedListeners = [];
    for (const l of listeners) l(reason);
  }
}
