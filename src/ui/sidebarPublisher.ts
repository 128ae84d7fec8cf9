// What the sidebar shows, and when it is sent: free of `vscode`, so the integration tests drive
// the very code the view uses. The view (sidebarView.ts) only supplies the transport.
import type { SidebarState } from "../protocol/sidebar";
import type { Softphone } from "../softphone";
import type { Disposable } from "../util/emitter";

export async function buildSidebarState(softphone: Softphone): Promise<SidebarState> {
  const [history, recentTargets] = await Promise.all([
    softphone.history.list(50).catch(() => []),
    softphone.history.recentTargets(10).catch(() => []),
  ]);
  return {
    accounts: softphone.accountViews(),
    calls: softphone.calls.views(),
    history,
    recentTargets,
    callWindowConnected: softphone.media.connected,
    configErrors: softphone.getState().settingsErrors,
  };
}

export interface SidebarSink {
  /** Whether a view is there to receive (a hidden or closed view is brought up to date when it shows). */
  readonly ready: boolean;
  send(state: SidebarState): void;
}

/**
 * Pushes the sidebar's state after every change: of calls and accounts, and of the history file.
 * Bursts are coalesced into one push; a change that arrives while a push is being built
 * schedules another, so the last push always reflects the last change.
 */
export class SidebarPublisher implements Disposable {
  private queued = false;
  private pushing: Promise<void> = Promise.resolve();
  private readonly subscriptions: Disposable[];

  constructor(
    private readonly softphone: Softphone,
    private readonly sink: SidebarSink,
    private readonly coalesceMs = 50,
  ) {
    // History is its own source of change: a call's end record lands after the call cleared.
    this.subscriptions = [softphone.onDidChangeState(() => this.refresh()), softphone.history.onDidChange(() => this.refresh())];
  }

  refresh(): void {
    if (this.queued) return;
    this.queued = true;
    setTimeout(() => {
      // Pushes run one after another, so an older state can never arrive after a newer one.
      this.pushing = this.pushing
        .then(async () => {
          // Any change from here on queues another push, which reads the state after it.
          this.queued = false;
          if (!this.sink.ready) return;
          const state = await buildSidebarState(this.softphone);
          if (this.sink.ready) this.sink.send(state);
        })
        .catch(() => undefined);
    }, this.coalesceMs);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
