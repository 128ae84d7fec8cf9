// The running accounts: one SipAccount (one sip.js UserAgent) per configured account, started,
// restarted and stopped as the settings change. Changes run one after another: two overlapping
// ones could start the same account twice and leave two registrations (forked calls).
import { SipAccount, type SipAccountOptions } from "../sip/sipAccount";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import type { AccountConfig } from "./accountConfig";

export interface AccountPoolOptions {
  log: Logger;
  /** Reads an account's password from SecretStorage (never from settings). */
  password: (accountId: string) => Promise<string | undefined>;
  sipTrace: () => boolean;
  registerExpires: () => number | undefined;
  sessionDescriptionHandler: SipAccountOptions["sessionDescriptionHandler"];
  onInvite: SipAccountOptions["onInvite"];
  onMessage?: SipAccountOptions["onMessage"];
  onReconnected?: SipAccountOptions["onReconnected"];
  retryDelay?: (attempt: number) => number;
}

export class AccountPool {
  private readonly accounts = new Map<string, SipAccount>();
  private configs: AccountConfig[] = [];
  private changes: Promise<unknown> = Promise.resolve();
  private readonly _onDidChange = new Emitter<void>();
  /** An account was added, removed, or changed state. */
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly options: AccountPoolOptions) {}

  get(id: string): SipAccount | undefined {
    return this.accounts.get(id);
  }

  all(): SipAccount[] {
    return [...this.accounts.values()];
  }

  /**
   * Apply a new account list: untouched accounts keep running, changed ones restart. Changes to
   * the list are made one after another; connecting and registering are not part of that, so an
   * account whose server hangs never holds up the others nor the next change (resolves once all
   * the new accounts have tried).
   */
  async setAccounts(configs: AccountConfig[]): Promise<void> {
    const created = await this.serially(async () => {
      this.configs = configs;
      const wanted = new Map(configs.map((c) => [c.id, c]));
      const stops: Promise<void>[] = [];
      for (const [id, acc] of this.accounts) {
        const next = wanted.get(id);
        if (!next || JSON.stringify(next) !== JSON.stringify(acc.config)) {
          this.accounts.delete(id);
          stops.push(acc.dispose());
        }
      }
      await Promise.all(stops);
      const made = await Promise.all(configs.filter((c) => !this.accounts.has(c.id)).map((c) => this.create(c)));
      this._onDidChange.fire();
      return made;
    });
    await Promise.all(created.map((a) => a.start()));
  }

  /** Restart one account, e.g. after its password changed. */
  async restart(id: string): Promise<void> {
    const created = await this.serially(async () => {
      const acc = this.accounts.get(id);
      const config = acc?.config ?? this.configs.find((c) => c.id === id);
      if (!config) return [];
      if (acc) {
        this.accounts.delete(id);
        await acc.dispose();
      }
      return [await this.create(config)];
    });
    await Promise.all(created.map((a) => a.start()));
  }

  async reconnect(id: string): Promise<void> {
    await this.accounts.get(id)?.reconnectNow();
  }

  /** The machine's network changed: each account checks its connection. */
  networkChanged(): void {
    for (const a of this.all()) a.networkChanged();
  }

  /** Every account leaves the registrar (shutdown starts with this; see SipAccount.unregister). */
  unregisterAll(): Promise<void> {
    return Promise.all(this.all().map((a) => a.unregister())).then(() => undefined);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all().map((a) => a.dispose()));
    this.accounts.clear();
    this._onDidChange.dispose();
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changes.then(change);
    this.changes = next.catch(() => undefined);
    return next;
  }

  /** The account, made and listed (not yet connected: its start() is the caller's). */
  private async create(config: AccountConfig): Promise<SipAccount> {
    const password = await this.options.password(config.id);
    const account = new SipAccount({
      config,
      password,
      sessionDescriptionHandler: this.options.sessionDescriptionHandler,
      onInvite: this.options.onInvite,
      onMessage: this.options.onMessage,
      onReconnected: this.options.onReconnected,
      log: this.options.log,
      sipTrace: this.options.sipTrace(),
      expires: this.options.registerExpires(),
      retryDelay: this.options.retryDelay,
    });
    this.accounts.set(config.id, account);
    account.onDidChange(() => this._onDidChange.fire());
    return account;
  }
}
