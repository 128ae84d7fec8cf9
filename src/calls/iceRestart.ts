// ICE restart (RFC 8445 9, by re-INVITE with new ICE credentials): when a call's ICE in the call
// window loses its path — "disconnected" for longer than a short grace (it often comes back by
// itself within a second or two), or "failed" — the call offers new ICE credentials, and again
// each time the restarted ICE loses its path (at most once every `minGapMs`), until ICE is
// connected again. A network change or an outage longer than consent's 30 s needs this: ICE
// alone never leaves "failed". No vscode import.
import type { IcePathState } from "../protocol/callWindow";

interface Trouble {
  /** The path is lost now (disconnected or failed), as last reported. */
  lost: boolean;
  restarting: boolean;
  lastAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

export interface IceRestartTiming {
  /** At most one restart per this long. */
  minGapMs: number;
  /** How long "disconnected" may last before a restart ("failed" restarts at once). */
  disconnectedGraceMs: number;
}

export class IceRestarts {
  private readonly calls = new Map<string, Trouble>();

  constructor(
    /** Send the call's re-INVITE with new ICE credentials; rejects when it could not be done. */
    private readonly restart: (callId: string) => Promise<void>,
    private readonly report: (callId: string, text: string) => void,
    private readonly timing: IceRestartTiming = { minGapMs: 2000, disconnectedGraceMs: 2500 },
  ) {}

  /** The call window's ICE for the call changed. */
  changed(callId: string, state: IcePathState): void {
    const t = this.calls.get(callId) ?? { lost: false, restarting: false, lastAt: 0 };
    this.calls.set(callId, t);
    t.lost = state !== "connected";
    if (!t.lost) return this.settle(callId, t);
    // "failed" replaces a pending "disconnected" wait: no grace left.
    if (state === "failed" && t.timer) {
      clearTimeout(t.timer);
      t.timer = undefined;
    }
    this.schedule(callId, t, state === "failed" ? 0 : this.timing.disconnectedGraceMs);
  }

  /**
   * Restart now, path lost or not (the machine's network changed: the old path may be dying and
   * the new network may offer a better one). The gap between restarts still holds.
   */
  now(callId: string): void {
    const t = this.calls.get(callId) ?? { lost: false, restarting: false, lastAt: 0 };
    this.calls.set(callId, t);
    t.lost = true;
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    this.schedule(callId, t, 0);
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
    if (!t.restarting && Date.now() - t.lastAt >= this.timing.minGapMs) this.calls.delete(callId);
  }

  private schedule(callId: string, t: Trouble, graceMs: number): void {
    if (t.restarting || t.timer) return;
    const wait = Math.max(graceMs, t.lastAt + this.timing.minGapMs - Date.now());
    t.timer = setTimeout(() => {
      t.timer = undefined;
      void this.run(callId, t);
    }, wait);
    t.timer.unref?.();
  }

  private async run(callId: string, t: Trouble): Promise<void> {
    if (this.calls.get(callId) !== t || !t.lost) return;
    t.restarting = true;
    t.lastAt = Date.now();
    // The new credentials start ICE over ("checking"): only a new loss restarts it again.
    t.lost = false;
    try {
      await this.restart(callId);
    } catch (err) {
      this.report(callId, `ICE restart failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      t.restarting = false;
    }
    // Lost again meanwhile (the new credentials found no path either): once more, after the
    // gap. Otherwise the record stays (with when we last restarted) until ICE connects.
    if (this.calls.get(callId) === t && t.lost) this.schedule(callId, t, 0);
  }
}
