// One SIP account = one sip.js UserAgent over our WebSocket transport. Owns registration and
// its state/reason, and reconnects with exponential backoff + jitter when the connection drops
// or cannot be made, re-registering afterwards. Knows nothing of calls beyond handing incoming
// INVITEs to whoever listens.
import { unanswerableOffer } from "./offerCheck";
import { Invitation, type Message, Registerer, RegistererState, SIPExtension, UserAgent, type LogConnector, type Session, type SessionDescriptionHandler } from "sip.js";
import type { AccountConfig } from "../accounts/accountConfig";
import type { RegistrationReason, RegistrationState } from "../protocol/model";
import { Emitter } from "../util/emitter";
import { redactSip, type Logger } from "../util/logger";
import { reconnectDelay } from "./backoff";
import { WsTransport } from "./wsTransport";
import { messageOf } from "../util/text";

export const USER_AGENT_STRING = "VSCode-Softphone/0.1 (sip.js 0.21.2)";

export interface SipAccountOptions {
  config: AccountConfig;
  /** From SecretStorage. Undefined means "no password set": the account stays offline with a reason. */
  password: string | undefined;
  /** Builds the media handler for a session (ours forwards to the call window). */
  sessionDescriptionHandler: (session: Session) => SessionDescriptionHandler;
  onInvite: (account: SipAccount, invitation: Invitation) => void;
  /** An incoming SIP MESSAGE; the handler answers it (after storing it). Without one: 405. */
  onMessage?: (account: SipAccount, message: Message) => void;
  /** The connection is back after it was lost: dialogs may need to tell their far ends the new route. */
  onReconnected?: (account: SipAccount) => void;
  log: Logger;
  sipTrace?: boolean;
  /** Registration lifetime asked of the registrar, seconds. */
  expires?: number;
  connectionTimeoutMs?: number;
  keepAliveIntervalMs?: number;
  /** Overridable for tests. */
  retryDelay?: (attempt: number) => number;
}

export class SipAccount {
  readonly id: string;
  readonly ua: UserAgent;
  private registerer: Registerer | undefined;
  private _state: RegistrationState = "unregistered";
  private stopped = false;
  private _reason: RegistrationReason | undefined;
  private _retryAt: number | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private disposed = false;
  /** The connection dropped since it was last up (reset when it is up again). */
  private connectionLost = false;
  private readonly _onDidChange = new Emitter<void>();
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly options: SipAccountOptions) {
    const { config } = options;
    this.id = config.id;
    const uri = UserAgent.makeURI(config.uri);
    if (!uri) throw new Error(`softphone.accounts "${config.id}": "${config.uri}" is not a SIP URI`);
    const log = options.log;
    const logConnector: LogConnector = (level, category, _label, content) => {
      const line = `[${config.id}] ${category}: ${redactSip(content)}`;
      if (level === "error") log.error(line);
      else if (level === "warn") log.warn(line);
      else log.trace(line);
    };
    this.ua = new UserAgent({
      uri,
      displayName: config.displayName,
      authorizationUsername: config.authorizationUsername ?? uri.user,
      authorizationPassword: options.password,
      transportConstructor: WsTransport as never,
      transportOptions: {
        server: config.server,
        connectionTimeoutMs: options.connectionTimeoutMs ?? 5000,
        keepAliveIntervalMs: options.keepAliveIntervalMs ?? 20000,
        trace: options.sipTrace ? (dir: string, msg: string) => log.info(`[${config.id}] SIP ${dir === "in" ? "<<<" : ">>>"}\n${redactSip(msg)}`) : undefined,
      },
      sessionDescriptionHandlerFactory: (session) => options.sessionDescriptionHandler(session),
      logBuiltinEnabled: false,
      logConnector,
      logLevel: "warn",
      // sip.js's own reconnection stays off (its default): we reconnect with exponential
      // backoff + jitter instead of its fixed delay.
      userAgentString: USER_AGENT_STRING,
      // INVITE with Replaces (RFC 3891): an attended transfer's target replaces its call to the
      // transferor without ringing (see CallManager.incoming).
      sipExtensionReplaces: SIPExtension.Supported,
      // sip.js would send 180 Ringing before asking us: a call we refuse at once (415, 488, do not
      // disturb, too many ringing) must not ring at the caller first. We send 180 when it rings.
      sendInitialProvisionalResponse: false,
      delegate: {
        onInvite: (invitation) => {
          // A session we can't describe would ring and then fail when answered: refuse it at once
          // (RFC 3261 21.4.13: 415, with the types we accept).
          if (!acceptableOfferBody(invitation.request.getHeader("Content-Type"), invitation.request.body)) {
            invitation.reject({ statusCode: 415, extraHeaders: ["Accept: application/sdp"] }).catch(() => undefined);
            return;
          }
          // An SDP offer too broken to answer would ring and fail only once answered: 488 now, saying why.
          const broken = brokenOffer(invitation.request.getHeader("Content-Type"), invitation.request.body);
          if (broken) {
            this.options.log.warn(`[${this.id}] refused an incoming call (488): its SDP offer is unusable: ${broken}`);
            invitation.reject({ statusCode: 488, extraHeaders: [`Warning: 399 softphone "unusable SDP offer: ${broken}"`] }).catch(() => undefined);
            return;
          }
          options.onInvite(this, invitation);
        },
        // sip.js answers 200 to a MESSAGE nobody handles — a message silently lost. Ours stores it first.
        onMessage: (message) => (options.onMessage ? options.onMessage(this, message) : void message.reject({ statusCode: 405 }).catch(() => undefined)),
        onDisconnect: (error) => {
          if (this.disposed || !error) return;
          this.connectionLost = true;
          this.setState("failed", { kind: "connection", message: error.message });
          this.scheduleRetry();
        },
      },
    });
  }

  get config(): AccountConfig {
    return this.options.config;
  }
  get state(): RegistrationState {
    return this._state;
  }
  get reason(): RegistrationReason | undefined {
    return this._reason;
  }
  get retryAt(): number | undefined {
    return this._retryAt;
  }
  get connected(): boolean {
    return this.ua.isConnected();
  }

  /** Connect and (if configured) register. Never throws: failures become state + reason. */
  async start(): Promise<void> {
    if (this.disposed) return; // replaced by a newer list before it got to connect
    if (!this.options.password) {
      this.setState("failed", { kind: "config", message: `no password set for "${this.id}" — run "Softphone: Set Password"` });
      return;
    }
    this.setState(this.options.config.register ? "registering" : "unregistered", undefined);
    await this.connectThenRegister(() => this.ua.start());
  }

  /** Retry now instead of waiting for the backoff timer (e.g. the user clicked "Reconnect"). */
  async reconnectNow(): Promise<void> {
    this.clearRetry();
    this.attempt = 0;
    if (this.ua.isConnected()) return this.register();
    this.setState(this.options.config.register ? "registering" : "unregistered", undefined);
    await this.connectThenRegister(() => this.ua.reconnect());
  }

  /** Open the connection with `connect`; a failure becomes a connection reason and a retry. */
  private async connectThenRegister(connect: () => Promise<void>): Promise<void> {
    try {
      await connect();
    } catch (err) {
      this.setState("failed", { kind: "connection", message: messageOf(err) });
      this.scheduleRetry();
      return;
    }
    if (this.connectionLost && !this.disposed) {
      this.connectionLost = false;
      this.options.onReconnected?.(this);
    }
    await this.register();
  }

  /** The machine's network changed: make sure our connection still works (see WsTransport.probe). */
  networkChanged(): void {
    if (this.disposed) return;
    (this.ua.transport as unknown as Partial<Pick<WsTransport, "probe">>).probe?.(NETWORK_PROBE_MS);
  }

  private unregistering?: Promise<void>;

  /**
   * Leave the registrar (best effort, bounded) and stop re-registering; the connection stays for
   * the BYEs that shutdown sends beside it. Shutdown starts this first: VS Code may end the
   * extension host a few hundred ms after deactivation starts.
   */
  unregister(): Promise<void> {
    this.unregistering ??= (async () => {
      this.disposed = true;
      this.clearRetry();
      const reg = this.registerer;
      this.registerer = undefined;
      // A REGISTER still in flight would leave a contact behind at the registrar: let it land.
      if (reg && this._state === "registering" && this.ua.isConnected()) {
        await withTimeout(new Promise<void>((resolve) => reg.stateChange.addListener((s) => s !== RegistererState.Initial && resolve())), 1500).catch(() => undefined);
      }
      if (reg && reg.state === RegistererState.Registered && this.ua.isConnected()) {
        await withTimeout(reg.unregister().then(() => waitUnregistered(reg, 2000)), 2500).catch(() => undefined);
      }
    })();
    return this.unregistering;
  }

  /** Unregister (best effort, bounded) and close the connection. */
  async dispose(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.unregister();
    await withTimeout(this.ua.stop(), 3000).catch(() => undefined);
    this.setState("unregistered", undefined);
    this._onDidChange.dispose();
  }

  private async register(): Promise<void> {
    if (this.disposed) return;
    if (!this.options.config.register) {
      this.attempt = 0;
      this.setState("unregistered", undefined);
      return;
    }
    // A fresh Registerer per connection: the old one's dialog/refresh state died with it.
    const old = this.registerer;
    this.registerer = undefined;
    if (old) await old.dispose().catch(() => undefined);
    const reg = new Registerer(this.ua, { expires: this.options.expires ?? 600, refreshFrequency: 90 });
    this.registerer = reg;
    reg.stateChange.addListener((s) => {
      if (this.registerer !== reg || this.disposed) return;
      if (s === RegistererState.Registered) {
        this.attempt = 0;
        this.setState("registered", undefined);
      } else if (s === RegistererState.Unregistered && this._state === "registered") {
        // A refresh failed while connected: try again on the backoff schedule.
        this.setState("failed", { kind: "rejected", message: "registration refresh failed" });
        this.scheduleRetry();
      }
    });
    this.setState("registering", undefined);
    try {
      await reg.register({
        requestDelegate: {
          onReject: (response) => {
            if (this.registerer !== reg) return;
            const code = response.message.statusCode ?? 0;
            const phrase = response.message.reasonPhrase ?? "";
            if (code === 401 || code === 403 || code === 407) {
              // Wrong username/password: retrying with the same secret cannot help.
              this.setState("failed", {
                kind: "credentials",
                statusCode: code,
                message: `the server refused the credentials for ${this.options.config.uri} (${code} ${phrase})`.trim(),
              });
            } else {
              this.setState("failed", { kind: "rejected", statusCode: code, message: `registration rejected: ${code} ${phrase}`.trim() });
              this.scheduleRetry();
            }
          },
        },
      });
    } catch (err) {
      this.setState("failed", { kind: "connection", message: messageOf(err) });
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.disposed || this.retryTimer) return;
    const delay = (this.options.retryDelay ?? ((a: number) => reconnectDelay(a)))(this.attempt++);
    this._retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this._retryAt = undefined;
      void this.retry();
    }, delay);
    this._onDidChange.fire();
  }

  private async retry(): Promise<void> {
    if (this.disposed) return;
    if (this.ua.isConnected()) return this.register();
    this.setState("registering", this._reason);
    await this.connectThenRegister(() => this.ua.reconnect());
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this._retryAt = undefined;
  }

  private setState(state: RegistrationState, reason: RegistrationReason | undefined): void {
    const changed = state !== this._state || reason?.message !== this._reason?.message;
    this._state = state;
    this._reason = reason;
    if (changed) {
      if (reason) this.options.log.warn(`[${this.id}] ${state}: ${reason.message}`);
      else this.options.log.info(`[${this.id}] ${state}`);
      this._onDidChange.fire();
    }
  }
}

/**
 * Whether an INVITE's body is one we can answer: none (we make the offer), or SDP. Anything else
 * (RFC 4475 3.3.7 "invut": application/unknownformat) gets a 415.
 */
/** Why an INVITE's SDP offer cannot be answered (see offerCheck.ts); undefined for no offer, another type, or a usable one. */
export function brokenOffer(contentType: string | undefined, body: string | undefined): string | undefined {
  if (body === undefined || body.trim() === "") return undefined;
  const type = (contentType ?? "application/sdp").split(";")[0]!.trim().toLowerCase();
  return type === "application/sdp" ? unanswerableOffer(body) : undefined;
}

/** How long a ping may go unanswered after a network change before the connection counts as gone. */
const NETWORK_PROBE_MS = 3000;

export function acceptableOfferBody(contentType: string | undefined, body: string | undefined): boolean {
  if (body === undefined || body.trim() === "") return true;
  if (contentType === undefined) return true; // sip.js takes a typeless body as SDP; its handler decides
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/sdp" || type.startsWith("multipart/");
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timeout")), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

function waitUnregistered(reg: Registerer, ms: number): Promise<void> {
  if (reg.state !== RegistererState.Registered) return Promise.resolve();
  return withTimeout(
    new Promise<void>((resolve) => reg.stateChange.addListener((s) => s !== RegistererState.Registered && resolve())),
    ms,
  );
}
