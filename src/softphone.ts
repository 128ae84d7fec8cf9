// The product's core, free of the `vscode` module: accounts (one UserAgent each), calls, the
// call window (media) and history, wired together. src/extension.ts adapts it to VS Code;
// integration tests drive it directly against the real PBX.
import { join } from "node:path";
import type { AccountConfig } from "./accounts/accountConfig";
import { runCallAction } from "./calls/callActions";
import { CallManager } from "./calls/callManager";
import { HistoryStore } from "./history/historyStore";
import { CallWindowServer } from "./media/callWindowServer";
import { MediaEngine } from "./media/mediaEngine";
import { SystemRinger, type Ringer } from "./media/systemRinger";
import type { AccountView, SoftphoneState } from "./protocol/model";
import { SipAccount } from "./sip/sipAccount";
import { Emitter } from "./util/emitter";
import type { Logger } from "./util/logger";
import { messageOf } from "./util/text";

export interface SoftphoneSettings {
  defaultAccountId?: string;
  sipTrace: boolean;
  dtmfMode: "rfc4733" | "info";
  ringTimeoutMs?: number;
  registerExpires?: number;
}

export interface SoftphoneOptions {
  log: Logger;
  historyDir: string;
  webviewDir: string;
  mediaDir: string;
  /** Reads an account's password from SecretStorage (never from settings). */
  password: (accountId: string) => Promise<string | undefined>;
  openWindow: (localUrl: string) => Promise<void>;
  settings: () => SoftphoneSettings;
  /** Test hook: backoff schedule for reconnects. */
  retryDelay?: (attempt: number) => number;
  lingerMs?: number;
  reconnectGraceMs?: number;
  /** Call window port (see CallWindowServerOptions.port); default DEFAULT_CALL_WINDOW_PORT. */
  callWindowPort?: number;
  /** Rings when no call window is open; defaults to the OS sound player with media/ring.wav. */
  fallbackRinger?: Ringer;
}

export class Softphone {
  readonly server: CallWindowServer;
  readonly media: MediaEngine;
  readonly calls: CallManager;
  readonly history: HistoryStore;
  private readonly accounts = new Map<string, SipAccount>();
  private configs: AccountConfig[] = [];
  private settingsErrors: string[] = [];
  private accountChanges: Promise<void> = Promise.resolve();
  private readonly _onDidChangeState = new Emitter<SoftphoneState>();
  readonly onDidChangeState = this._onDidChangeState.event;
  private changeQueued = false;

  constructor(private readonly options: SoftphoneOptions) {
    this.server = new CallWindowServer({ webviewDir: options.webviewDir, mediaDir: options.mediaDir, log: options.log, port: options.callWindowPort });
    this.history = new HistoryStore(options.historyDir);
    this.media = new MediaEngine({
      server: this.server,
      log: options.log,
      openWindow: options.openWindow,
      calls: () => this.calls.views(),
      iceServersFor: (callId) => {
        const call = this.calls.get(callId);
        const account = call ? this.accounts.get(call.accountId) : undefined;
        return account?.config.iceServers ?? [];
      },
      reconnectGraceMs: options.reconnectGraceMs,
      fallbackRinger: options.fallbackRinger ?? new SystemRinger(join(options.mediaDir, "ring.wav")),
    });
    this.calls = new CallManager({
      account: (id) => this.account(id),
      media: this.media,
      history: this.history,
      log: options.log,
      ringTimeoutMs: options.settings().ringTimeoutMs,
      lingerMs: options.lingerMs,
      dtmfMode: () => options.settings().dtmfMode,
    });
    this.calls.onDidChange(() => {
      this.media.pushCalls(this.calls.views());
      this.changed();
    });
    this.media.onMediaLost(({ callIds, reason }) => this.calls.mediaLost(callIds, reason));
    this.media.onDidChangeConnection(() => this.changed());
    this.media.onCallAction((action) => {
      runCallAction(this.calls, action).catch((err) => options.log.warn(`call window action: ${messageOf(err)}`));
    });
  }

  async start(configs: AccountConfig[]): Promise<void> {
    await this.server.start();
    await this.setAccounts(configs);
  }

  /** Apply a new account list: untouched accounts keep running, changed ones restart. */
  setAccounts(configs: AccountConfig[]): Promise<void> {
    return this.serially(async () => {
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
      const starts: Promise<void>[] = [];
      for (const config of configs) {
        if (this.accounts.has(config.id)) continue;
        starts.push(this.startAccount(config));
      }
      this.changed();
      await Promise.all(starts);
    });
  }

  /** Problems found in the settings (shown to the user and reported in getState()). */
  setSettingsErrors(errors: string[]): void {
    this.settingsErrors = [...errors];
    this.changed();
  }

  /** Restart one account, e.g. after its password changed. */
  restartAccount(id: string): Promise<void> {
    return this.serially(async () => {
      const acc = this.accounts.get(id);
      const config = acc?.config ?? this.configs.find((c) => c.id === id);
      if (!config) return;
      if (acc) {
        this.accounts.delete(id);
        await acc.dispose();
      }
      await this.startAccount(config);
    });
  }

  /**
   * Account changes (settings edits, password changes, restarts) run one after another: two
   * overlapping ones could start the same account twice and leave two registrations (forked calls).
   */
  private serially(change: () => Promise<void>): Promise<void> {
    const next = this.accountChanges.then(change);
    this.accountChanges = next.catch(() => undefined);
    return next;
  }

  async reconnect(id: string): Promise<void> {
    await this.accounts.get(id)?.reconnectNow();
  }

  account(id?: string): SipAccount | undefined {
    if (id) return this.accounts.get(id);
    const preferred = this.options.settings().defaultAccountId;
    if (preferred && this.accounts.has(preferred)) return this.accounts.get(preferred);
    const all = [...this.accounts.values()];
    return all.find((a) => a.state === "registered") ?? all[0];
  }

  accountViews(): AccountView[] {
    const def = this.account();
    return [...this.accounts.values()].map((a) => ({
      id: a.id,
      label: a.config.label,
      uri: a.config.uri,
      state: a.state,
      reason: a.reason,
      retryAt: a.retryAt,
      isDefault: a === def,
    }));
  }

  getState(): SoftphoneState {
    return {
      accounts: [...this.accounts.values()].map((a) => {
        const entry: SoftphoneState["accounts"][number] = { id: a.id, state: a.state };
        if (a.reason) {
          entry.reason = a.reason.kind;
          entry.reasonText = a.reason.message;
          if (a.reason.statusCode !== undefined) entry.statusCode = a.reason.statusCode;
        }
        return entry;
      }),
      calls: this.calls.views().map((c) => {
        const { remote, reasonText: _t, ...rest } = c;
        return { ...rest, remote: remote.uri, ...(remote.displayName ? { remoteName: remote.displayName } : {}) };
      }),
      callWindow: { connected: this.media.connected },
      settingsErrors: [...this.settingsErrors],
    };
  }

  async dispose(): Promise<void> {
    await this.calls.dispose();
    await Promise.all([...this.accounts.values()].map((a) => a.dispose()));
    this.accounts.clear();
    this.media.dispose();
    this.server.dispose();
    this._onDidChangeState.dispose();
  }

  private async startAccount(config: AccountConfig): Promise<void> {
    const settings = this.options.settings();
    const password = await this.options.password(config.id);
    const account = new SipAccount({
      config,
      password,
      sessionDescriptionHandler: (session) => this.calls.sessionDescriptionHandler(session),
      onInvite: (acc, invitation) => this.calls.incoming(acc, invitation),
      log: this.options.log,
      sipTrace: settings.sipTrace,
      expires: settings.registerExpires,
      retryDelay: this.options.retryDelay,
    });
    this.accounts.set(config.id, account);
    account.onDidChange(() => this.changed());
    await account.start();
  }

  /** Coalesce bursts of changes (a call setup fires several) into one state event. */
  private changed(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      this._onDidChangeState.fire(this.getState());
    });
  }
}
