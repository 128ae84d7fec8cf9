// ICE restart (RFC 8445 9, by re-INVITE with new ICE credentials): when a call's ICE in the call
// window fails — its path gone past consent expiry, e.g. a network change or an outage longer
// than 30 s — the call offers new ICE credentials, and again each time a restarted ICE fails
// (at most once every `minGapMs`), until ICE is connected again. "disconnected" alone is left to
// ICE itself: it recovers by itself when packets return before consent expires. No vscode import.
import type { IcePathState } from "../protocol/callWindow";

interface Trouble {
  failed: boolean;
  restarting: boolean;
  lastAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

export class IceRestarts {
  private readonly calls = new Map<string, Trouble>();

  constructor(
    /** Send the call's re-INVITE with new ICE credentials; rejects when it could not be done. */
    private readonly restart: (callId: string) => Promise<void>,
    private readonly report: (callId: string, text: string) => void,
    private readonly minGapMs = 2000,
  ) {}

  /** The call window's ICE for the call changed. */
  changed(callId: string, state: IcePathState): void {
    const t = this.calls.get(callId) ?? { failed: false, restarting: false, lastAt: 0 };
    this.calls.set(callId, t);
    t.failed = state === "failed";
    if (state === "connected") return this.settle(callId, t);
    if (t.failed) this.schedule(callId, t);
  }

  /** The call ended: nothing more to restart. */
  forget(callId: string): void {
    const t = this.calls.get(callId);
    if (t?.timer) clearTimeout(t.timer);
    this.calls.delete(callId);
  }

  /** Connected: no restart pending. A restart under way finishes; the gap holds from it. */
  private settle(callId: string, t: Trouble): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    if (!t.restarting && Date.now() - t.lastAt >= this.minGapMs) this.calls.delete(callId);
  }

  private schedule(callId: string, t: Trouble): void {
    if (t.restarting || t.timer) return;
    const wait = Math.max(0, t.lastAt + this.minGapMs - Date.now());
    t.timer = setTimeout(() => {
      t.timer = undefined;
      void this.run(callId, t);
    }, wait);
    t.timer.unref?.();
  }

  private async run(callId: string, t: Trouble): Promise<void> {
    if (this.calls.get(callId) !== t || !t.failed) return;
    t.restarting = true;
    t.lastAt = Date.now();
    // The new credentials start ICE over ("checking"): only a new "failed" restarts it again.
    t.failed = false;
    try {
      await this.restart(callId);
    } catch (err) {
      this.report(callId, `ICE restart failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      t.restarting = false;
    }
    // Failed again meanwhile (the new credentials found no path either): once more, after the
    // gap. Otherwise the record stays (with when we last restarted) until ICE connects.
    if (this.calls.get(callId) === t && t.failed) this.schedule(callId, t);
  }
}
