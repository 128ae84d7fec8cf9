// Presence over SIP: we watch each contact — SUBSCRIBE to their "presence" (PIDF: available,
// away, do not disturb, offline) and "dialog" (the busy lamp the PBX publishes for their calls)
// — and publish our own state with PUBLISH (PIDF). Through the account that places calls (the
// first one, or the one named). Everything is set up again after the account registers anew
// (a reconnect loses the server's subscriptions along with the flow). No vscode import.
import { Publisher, PublisherState, Subscriber, SubscriptionState, UserAgent } from "sip.js";
import { guardRefresh } from "./publisherRefresh";
import type { SipAccount } from "../sip/sipAccount";
import { parseDialString } from "../calls/dialString";
import { domainOf } from "../accounts/accountConfig";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import { lampOf, pidfFor, readDialogInfo, readPidf, type DialogState, type Lamp, type OwnPresence, type PidfState } from "./presenceDocs";

export interface PresenceServiceOptions {
  /** The account that watches and publishes (undefined: the default one). */
  account: () => SipAccount | undefined;
  /** Whom to watch: contact addresses as the user wrote them (numbers, names, sip: URIs). */
  contacts: () => string[];
  log: Logger;
  /** How long each subscription and publication lasts before sip.js refreshes it (s). Default 600. */
  expires?: number;
  /** After a refused or ended subscription, try again after this long. Default 30 s. */
  retryMs?: number;
}

interface Watch {
  /** The address as the user wrote it (the key the UI asks by). */
  address: string;
  uri: string;
  presence?: Subscriber;
  dialog?: Subscriber;
  /** null: the server says it has no presence document for them. */
  pidf?: PidfState | null;
  dialogState?: DialogState;
  retry?: ReturnType<typeof setTimeout>;
}

export class PresenceService {
  private watches = new Map<string, Watch>();
  private publisher: Publisher | undefined;
  private own: OwnPresence = "available";
  /** The account our subscriptions and publication belong to (rebound by resubscribe()). */
  private boundTo: SipAccount | undefined;
  private disposed = false;
  private readonly _onDidChange = new Emitter<void>();
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly options: PresenceServiceOptions) {}

  /** Each contact address's lamp (unknown until the server said something). */
  lamps(): Record<string, Lamp> {
    const out: Record<string, Lamp> = {};
    for (const w of this.watches.values()) out[w.address] = lampOf(w.pidf, w.dialogState);
    return out;
  }

  lampOf(address: string): Lamp {
    const w = [...this.watches.values()].find((x) => x.address === address);
    return w ? lampOf(w.pidf, w.dialogState) : "unknown";
  }

  /** Our own state, as we publish it. */
  get ownState(): OwnPresence {
    return this.own;
  }

  /** Publish `state` (the same state again is not sent). */
  setOwnState(state: OwnPresence): void {
    if (state === this.own) return;
    this.own = state;
    void this.publish();
    this._onDidChange.fire();
  }

  /**
   * Bring subscriptions and publication in line with the account (registered or not, which one,
   * a fresh registration after a reconnect) and the contacts. Call on any of those changes.
   */
  refresh(): void {
    if (this.disposed) return;
    const account = this.options.account();
    const ready = account?.state === "registered" ? account : undefined;
    if (!ready) {
      if (this.boundTo) void this.unbind();
      return;
    }
    if (this.boundTo !== ready) {
      void this.unbind();
      this.boundTo = ready;
      void this.publish();
    }
    this.reconcile(ready);
  }

  /** The account registered again (a reconnect): subscribe and publish anew. */
  resubscribe(): void {
    void this.unbind();
    this.refresh();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.unbind();
  }

  private reconcile(account: SipAccount): void {
    const wanted = new Map<string, string>();
    for (const address of new Set(this.options.contacts())) {
      const uri = this.resolve(account, address);
      if (uri) wanted.set(uri, address);
    }
    for (const [uri, w] of this.watches) if (!wanted.has(uri)) this.stopWatch(w);
    for (const [uri, address] of wanted) {
      const known = this.watches.get(uri);
      if (known) known.address = address;
      else this.startWatch(account, { address, uri });
    }
  }

  private resolve(account: SipAccount, address: string): string | undefined {
    const parsed = parseDialString(address, { domain: domainOf(account.config.uri), dialPlan: account.config.dialPlan });
    if (!parsed.ok || !UserAgent.makeURI(parsed.target.uri)) return undefined;
    return parsed.target.uri;
  }

  private startWatch(account: SipAccount, w: Watch): void {
    this.watches.set(w.uri, w);
    const uri = UserAgent.makeURI(w.uri)!;
    const expires = this.options.expires ?? 600;
    const subscribe = (event: "presence" | "dialog", accept: string, read: (body: string) => void): Subscriber => {
      const sub = new Subscriber(account.ua, uri, event, { expires, extraHeaders: [`Accept: ${accept}`] });
      sub.delegate = {
        onNotify: (notification) => {
          notification.accept().catch(() => undefined);
          if (this.watches.get(w.uri) !== w) return;
          read(notification.request.body ?? "");
          this._onDidChange.fire();
        },
      };
      sub.stateChange.addListener((state) => {
        if (state !== SubscriptionState.Terminated || this.watches.get(w.uri) !== w || this.disposed) return;
        // Refused, expired or ended by the server: look again later, as long as we still watch.
        this.options.log.info(`presence: the ${event} subscription to ${w.uri} ended; trying again later`);
        this.scheduleRetry(account, w);
      });
      sub.subscribe().catch((err) => this.options.log.warn(`presence: could not subscribe to ${w.uri} (${event}): ${messageOf(err)}`));
      return sub;
    };
    w.presence = subscribe("presence", "application/pidf+xml", (body) => {
      w.pidf = body.trim() ? (readPidf(body) ?? w.pidf) : null;
    });
    w.dialog = subscribe("dialog", "application/dialog-info+xml", (body) => {
      w.dialogState = body.trim() ? (readDialogInfo(body) ?? w.dialogState) : "idle";
    });
  }

  private scheduleRetry(account: SipAccount, w: Watch): void {
    if (w.retry) return;
    w.retry = setTimeout(() => {
      w.retry = undefined;
      if (this.watches.get(w.uri) !== w || this.boundTo !== account) return;
      this.stopWatch(w);
      this.startWatch(account, { address: w.address, uri: w.uri, pidf: w.pidf, dialogState: w.dialogState });
    }, this.options.retryMs ?? 30000);
    w.retry.unref?.();
  }

  /** Stop watching: sip.js's dispose() ends a live subscription with an un-SUBSCRIBE itself. */
  private stopWatch(w: Watch): void {
    if (this.watches.get(w.uri) === w) this.watches.delete(w.uri);
    clearTimeout(w.retry);
    for (const sub of [w.presence, w.dialog]) {
      if (!sub) continue;
      sub.delegate = undefined;
      void sub.dispose().catch(() => undefined);
    }
  }

  private async unbind(): Promise<void> {
    const publisher = this.publisher;
    this.publisher = undefined;
    this.boundTo = undefined;
    for (const w of [...this.watches.values()]) this.stopWatch(w);
    this._onDidChange.fire();
    // Unpublished on dispose (sip.js: unpublishOnClose), so watchers see us go. sip.js only
    // un-PUBLISHes a publication it knows is up: one whose PUBLISH is still under way (just
    // after a reconnect) is given a moment to land, or the server keeps us "available".
    if (publisher) {
      if (publisher.state === PublisherState.Initial) await publishedOrTimeout(publisher, 1500);
      await publisher.dispose().catch(() => undefined);
    }
  }

  private async publish(): Promise<void> {
    const account = this.boundTo;
    if (!account) return;
    try {
      if (!this.publisher) {
        const publisher: Publisher = guardRefresh(
          new Publisher(account.ua, UserAgent.makeURI(account.config.uri)!, "presence", {
            expires: this.options.expires ?? 600,
            contentType: "application/pidf+xml",
            unpublishOnClose: true,
          }),
          (err) => {
            if (this.publisher !== publisher) return; // a leftover timer of a publisher we let go
            this.options.log.info(`presence: our publication could not be refreshed (${messageOf(err)}); publishing anew`);
            this.publisher = undefined;
            void publisher.dispose().catch(() => undefined);
            void this.publish();
          },
        );
        this.publisher = publisher;
      }
      await this.publisher.publish(pidfFor(account.config.uri, this.own));
    } catch (err) {
      this.options.log.warn(`presence: could not publish our state: ${messageOf(err)}`);
    }
  }
}

/** Resolves once the publisher left its initial state (its PUBLISH answered), or after `ms`. */
function publishedOrTimeout(publisher: Publisher, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const listener = (state: PublisherState) => state !== PublisherState.Initial && done();
    function done(): void {
      clearTimeout(timer);
      publisher.stateChange.removeListener(listener);
      resolve();
    }
    publisher.stateChange.addListener(listener);
  });
}
