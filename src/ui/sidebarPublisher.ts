// What the sidebar shows, and when it is sent: free of `vscode`, so the integration tests drive
// the very code the view uses. The view (sidebarView.ts) only supplies the transport.
import { recentTargetsOf } from "../history/historyStore";
import type { SidebarPatch, SidebarState } from "../protocol/sidebar";
import type { Phone } from "../phone/phone";
import type { Disposable } from "../util/emitter";

const HISTORY_SHOWN = 50;
const RECENT_TARGETS = 10;
const CONVERSATIONS_SHOWN = 50;

/** Accounts, calls and the call window: cheap, from memory, changing often. */
function liveParts(softphone: Phone): Pick<SidebarState, "accounts" | "calls" | "callWindowConnected" | "configErrors" | "roomsAvailable" | "room" | "contacts"> {
  const room = softphone.rooms.view();
  return {
    accounts: softphone.accountViews(),
    calls: softphone.callViews(),
    callWindowConnected: softphone.callWindowConnected,
    configErrors: [...softphone.settingsErrors],
    roomsAvailable: softphone.roomsAvailable,
    contacts: softphone.contacts.map((c) => ({ ...c, presence: softphone.presence.lampOf(c.address) })),
    room: room ?? null,
  };
}

/** History and the dial box's suggestions (from one read of history): change only when history is written. */
async function historyParts(softphone: Phone): Promise<Pick<SidebarState, "history" | "recentTargets">> {
  const all = await softphone.recentCalls().catch(() => []);
  return { history: all.slice(0, HISTORY_SHOWN), recentTargets: recentTargetsOf(all, RECENT_TARGETS) };
}

/** The conversations (1:1 messages): change when a message is stored, delivered or read. */
async function messageParts(softphone: Phone): Promise<Pick<SidebarState, "conversations">> {
  return { conversations: (await softphone.messages.conversations().catch(() => [])).slice(0, CONVERSATIONS_SHOWN) };
}

export async function buildSidebarState(softphone: Phone): Promise<SidebarState> {
  return { ...liveParts(softphone), ...(await historyParts(softphone)), ...(await messageParts(softphone)) };
}

export interface SidebarSink {
  /** Whether a view is there to receive (a hidden or closed view is brought up to date when it shows). */
  readonly ready: boolean;
  send(state: SidebarState): void;
  patch(patch: SidebarPatch): void;
}

/**
 * Pushes what changed to the sidebar: calls and accounts after a state change, history after a
 * history write (a call clears before its end record is written, so history has its own
 * trigger), everything when the view asks (it showed again). Bursts are coalesced; pushes go
 * out one after another, and a change during a push queues another, so the last push always
 * reflects the last change.
 */
export class SidebarPublisher implements Disposable {
  private queued = false;
  private pushing: Promise<void> = Promise.resolve();
  private dirty = { live: false, history: false, messages: false, all: false };
  private readonly subscriptions: Disposable[];

  constructor(
    private readonly softphone: Phone,
    private readonly sink: SidebarSink,
    private readonly coalesceMs = 50,
  ) {
    this.subscriptions = [
      softphone.onDidChangeState(() => this.mark("live")),
      softphone.onDidChangeHistory(() => this.mark("history")),
      softphone.messages.onDidChange(() => this.mark("messages")),
    ];
  }

  /** Send the whole state (the view showed again and may have missed pushes). */
  refresh(): void {
    this.mark("all");
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }

  private mark(part: keyof SidebarPublisher["dirty"]): void {
    this.dirty[part] = true;
    if (this.queued) return;
    this.queued = true;
    setTimeout(() => {
      this.pushing = this.pushing.then(() => this.flush()).catch(() => undefined);
    }, this.coalesceMs);
  }

  private async flush(): Promise<void> {
    // Any change from here on queues another push, which reads the state after it.
    this.queued = false;
    const dirty = this.dirty;
    this.dirty = { live: false, history: false, messages: false, all: false };
    // A hidden view gets everything when it shows again (refresh()).
    if (!this.sink.ready) return;
    if (dirty.all) {
      const state = await buildSidebarState(this.softphone);
      if (this.sink.ready) this.sink.send(state);
      return;
    }
    const patch: SidebarPatch = {
      ...(dirty.live ? liveParts(this.softphone) : {}),
      ...(dirty.history ? await historyParts(this.softphone) : {}),
      ...(dirty.messages ? await messageParts(this.softphone) : {}),
    };
    if (this.sink.ready && Object.keys(patch).length > 0) this.sink.patch(patch);
  }
}
