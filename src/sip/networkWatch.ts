// The machine's network changed: an address came or went (Wi-Fi to cable, a VPN up or down, a
// laptop waking on another network). Node has no event for it, so the interfaces are read every
// few seconds (cheap: one syscall, no I/O) and compared. On a change the softphone checks each
// account's connection at once (a WebSocket ping that must be answered within a few seconds,
// instead of the next keep-alive up to 40 s later) and restarts ICE in every call, so media
// finds the new path. No vscode import.
import * as os from "node:os";
import { Emitter, type Disposable } from "../util/emitter";

export interface NetworkChange {
  added: string[];
  removed: string[];
}

/** The addresses that matter: every non-loopback address, as "interface address". */
export function addressesOf(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): Set<string> {
  const out = new Set<string>();
  for (const [name, list] of Object.entries(interfaces)) {
    for (const info of list ?? []) if (!info.internal) out.add(`${name} ${info.address}`);
  }
  return out;
}

export class NetworkWatch implements Disposable {
  private last: Set<string>;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly _onDidChange = new Emitter<NetworkChange>();
  readonly onDidChange = this._onDidChange.event;

  constructor(
    everyMs = 3000,
    private readonly read: () => NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces,
  ) {
    this.last = this.safeRead() ?? new Set();
    this.timer = setInterval(() => this.check(), everyMs);
    this.timer.unref?.();
  }

  /** Compare now (also what the timer does). */
  check(): void {
    const now = this.safeRead();
    if (!now) return;
    const added = [...now].filter((a) => !this.last.has(a));
    const removed = [...this.last].filter((a) => !now.has(a));
    this.last = now;
    if (added.length || removed.length) this._onDidChange.fire({ added, removed });
  }

  dispose(): void {
    clearInterval(this.timer);
    this._onDidChange.dispose();
  }

  private safeRead(): Set<string> | undefined {
    try {
      return addressesOf(this.read());
    } catch {
      return undefined; // a sandbox that hides interfaces: nothing to compare, nothing fired
    }
  }
}
