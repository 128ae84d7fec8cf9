// A small typed request/reply + notification channel over any message pipe (postMessage or a
// WebSocket). Both ends declare what they accept and what they may send; the compiler checks
// every call site, so no stringly-typed messages leak into the app code.
// No imports beyond types: the webview bundles include this file.

export type Envelope =
  | { t: "req"; id: number; method: string; params: unknown }
  | { t: "res"; id: number; result?: unknown; error?: string }
  | { t: "note"; method: string; params: unknown };

/** Requests a side answers: method → params and result. */
export type RequestMap = { [method: string]: { params: unknown; result: unknown } };
/** Notifications a side receives: method → params. */
export type NotificationMap = { [method: string]: unknown };

/** What one end of a channel can receive and send. */
export interface ChannelSpec {
  inRequests: RequestMap;
  inNotes: NotificationMap;
  outRequests: RequestMap;
  outNotes: NotificationMap;
}

/** The same channel seen from the other end. */
export type Mirror<S extends ChannelSpec> = {
  inRequests: S["outRequests"];
  inNotes: S["outNotes"];
  outRequests: S["inRequests"];
  outNotes: S["inNotes"];
};

export class RpcError extends Error {}

export function isEnvelope(value: unknown): value is Envelope {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  if (v.t === "req") return typeof v.id === "number" && typeof v.method === "string";
  if (v.t === "res") return typeof v.id === "number";
  if (v.t === "note") return typeof v.method === "string";
  return false;
}

type Pending = { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> };

export class RpcEndpoint<S extends ChannelSpec> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly requestHandlers = new Map<string, (params: any) => unknown>();
  private readonly noteHandlers = new Map<string, (params: any) => void>();

  constructor(
    private send: (envelope: Envelope) => void,
    private readonly defaultTimeoutMs = 15000,
    /** Told when a notification handler threw (the message is dropped; the channel goes on). */
    private readonly onHandlerError?: (method: string, err: unknown) => void,
  ) {}

  /** Swap the underlying pipe (e.g. after a WebSocket reconnect). */
  setSender(send: (envelope: Envelope) => void): void {
    this.send = send;
  }

  handle<K extends keyof S["inRequests"] & string>(
    method: K,
    fn: (params: S["inRequests"][K]["params"]) => S["inRequests"][K]["result"] | Promise<S["inRequests"][K]["result"]>,
  ): void {
    this.requestHandlers.set(method, fn);
  }

  on<K extends keyof S["inNotes"] & string>(method: K, fn: (params: S["inNotes"][K]) => void): void {
    this.noteHandlers.set(method, fn);
  }

  /** One handler for every notification this end may receive: the compiler checks none is missing. */
  onNotes(handlers: { [K in keyof S["inNotes"] & string]: (params: S["inNotes"][K]) => void }): void {
    for (const method of Object.keys(handlers) as Array<keyof S["inNotes"] & string>) this.on(method, handlers[method]);
  }

  request<K extends keyof S["outRequests"] & string>(
    method: K,
    params: S["outRequests"][K]["params"],
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<S["outRequests"][K]["result"]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(`${method}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.send({ t: "req", id, method, params });
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RpcError(`${method}: could not send (${String(err)})`));
      }
    });
  }

  notify<K extends keyof S["outNotes"] & string>(method: K, params: S["outNotes"][K]): void {
    try {
      this.send({ t: "note", method, params });
    } catch {
      // Notifications are fire-and-forget; a closed pipe re-syncs on reconnect.
    }
  }

  /** Feed one incoming message. Anything that is not a well-formed envelope is ignored. */
  receive(raw: unknown): void {
    if (!isEnvelope(raw)) return;
    const msg = raw;
    if (msg.t === "res") {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error !== undefined) p.reject(new RpcError(msg.error));
      else p.resolve(msg.result);
      return;
    }
    if (msg.t === "note") {
      // A handler that throws (say, on params it did not expect) must not reach the pipe's own
      // event: a WebSocket whose message listener threw can stall for good.
      try {
        this.noteHandlers.get(msg.method)?.(msg.params);
      } catch (err) {
        this.onHandlerError?.(msg.method, err);
      }
      return;
    }
    const handler = this.requestHandlers.get(msg.method);
    const reply = (body: { result?: unknown; error?: string }) => {
      try {
        this.send({ t: "res", id: msg.id, ...body });
      } catch {
        // The peer went away; it will not wait for this answer.
      }
    };
    if (!handler) {
      reply({ error: `unknown method ${msg.method}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(msg.params))
      .then(
        (result) => reply({ result }),
        (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
      );
  }

  /** Fail every outstanding request (the pipe is gone for good). */
  dispose(reason = "channel closed"): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcError(reason));
      this.pending.delete(id);
    }
  }
}
