// The call window's WebSocket back to the extension host, with automatic reconnect. The URL
// is relative to the page, so it also works behind code-server's /proxy/PORT/ path.
import { CALL_WINDOW_PROTOCOL_VERSION, type CallWindowHostChannel } from "../../src/protocol/callWindow";
import type { CallView, RoomStateView } from "../../src/protocol/model";
import { RpcEndpoint, type Envelope } from "../../src/protocol/rpc";

export type LinkState = "connecting" | "connected" | "reconnecting" | "host-gone" | "superseded" | "failed";

/**
 * Longer than the host's grace for a dropped window (5 s): by then VS Code has ended the calls
 * whose media we hold, so the page lets go of it (microphone, peer connections).
 */
export const HOST_GONE_MS = 8000;
/** A restarted VS Code serves a new secret path, so this page cannot come back: stop trying. */
export const GIVE_UP_MS = 5 * 60_000;

export class HostConnection {
  readonly rpc: RpcEndpoint<CallWindowHostChannel>;
  private ws: WebSocket | undefined;
  private attempt = 0;
  private stopped = false;
  /** When the connection was lost (undefined while connected). */
  private lostAt: number | undefined;
  private goneReported = false;

  constructor(
    private readonly mediaSessionIds: () => string[],
    private readonly onState: (state: LinkState, detail?: string) => void,
    private readonly onCalls: (calls: CallView[], room: RoomStateView | null) => void,
  ) {
    this.rpc = new RpcEndpoint<CallWindowHostChannel>(() => {
      throw new Error("not connected");
    });
    this.rpc.on("window.superseded", ({ reason }) => {
      this.stopped = true;
      this.onState("superseded", reason);
    });
  }

  connect(): void {
    const url = new URL("ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    this.ws = ws;
    if (!this.goneReported) this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    ws.onopen = async () => {
      this.attempt = 0;
      this.lostAt = undefined;
      this.goneReported = false;
      this.rpc.setSender((e: Envelope) => ws.send(JSON.stringify(e)));
      try {
        const { calls, room } = await this.rpc.request("window.hello", {
          protocolVersion: CALL_WINDOW_PROTOCOL_VERSION,
          mediaSessionIds: this.mediaSessionIds(),
          userAgent: navigator.userAgent,
        });
        if (!this.stopped) this.onState("connected");
        this.onCalls(calls, room ?? null);
      } catch (err) {
        this.stopped = true;
        this.onState("failed", (err as Error).message);
        ws.close();
      }
    };
    ws.onmessage = (ev) => {
      try {
        this.rpc.receive(JSON.parse(String(ev.data)));
      } catch {
        /* ignore malformed frames */
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.rpc.setSender(() => {
        throw new Error("not connected");
      });
      this.rpc.dispose("connection to VS Code lost");
      if (this.stopped) return;
      const lostFor = Date.now() - (this.lostAt ??= Date.now());
      if (lostFor > GIVE_UP_MS) {
        this.stopped = true;
        this.onState("failed", "VS Code is gone — open the call window again from VS Code");
        return;
      }
      if (lostFor > HOST_GONE_MS && !this.goneReported) {
        this.goneReported = true;
        this.onState("host-gone");
      }
      // Quick first retries (a reloading extension host comes back fast), capped at 3 s; once
      // the host is taken for gone, every 15 s.
      const delay = this.goneReported ? 15000 : Math.min(3000, 200 * 2 ** this.attempt++);
      if (!this.goneReported) this.onState("reconnecting");
      setTimeout(() => this.connect(), delay);
    };
  }

  /** Drop the socket as a network failure would (the page reconnects). For tests. */
  simulateDrop(): void {
    this.ws?.close(4001, "simulated drop");
  }

  /** Tell the host the page is going away so it ends calls now instead of after a grace period. */
  closing(): void {
    this.stopped = true;
    this.rpc.notify("window.closing", { mediaSessionIds: this.mediaSessionIds() });
  }
}
