// Places, answers and ends calls. Maps sip.js sessions onto our call state machine
// (connecting → trying → ringing → incall → cleared), records every call in history as it
// starts (so a crash mid-call still leaves an entry) and again when it ends.
import { randomUUID } from "node:crypto";
import { Inviter, SessionState, UserAgent, type Invitation, type Session, type SessionDescriptionHandler } from "sip.js";
import { domainOf } from "../accounts/accountConfig";
import type { HistoryStore } from "../history/historyStore";
import type { MediaPort } from "../media/mediaPort";
import { RemoteSessionDescriptionHandler, type SoftphoneSdhOptions } from "../media/remoteSdh";
import type { MediaStats, Negotiated, VideoMode } from "../protocol/callWindow";
import type { CallSetupTimings } from "../protocol/model";
import type { CallView, ClearReason } from "../protocol/model";
import type { SipAccount } from "../sip/sipAccount";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import { Call } from "./call";
import { clearReasonForStatus, historyOutcome } from "./callState";
import { parseDialString } from "./dialString";
import { remoteParty } from "./remoteParty";
import { dtmfProblem } from "./dtmf";
import { messageOf } from "../util/text";

/** The media side as the call layer needs it: SDP + the window's lifecycle. */
export interface CallMedia extends MediaPort {
  /** Resolves once a call window is connected (opening one if needed). */
  ensureWindow(): Promise<void>;
  setRinging(ringing: boolean): void;
}

export interface CallManagerOptions {
  account: (id?: string) => SipAccount | undefined;
  media: CallMedia;
  history: HistoryStore;
  log: Logger;
  /** An unanswered incoming call is rejected (480) after this long. */
  ringTimeoutMs?: number;
  /** How long a cleared call stays visible (state `cleared` with its reason) before it is dropped. */
  lingerMs?: number;
  dtmfMode?: () => "rfc4733" | "info";
  /**
   * Incoming calls allowed to ring at once; more are refused with 486 at once, without a
   * notification, a ring or a history entry (a flood must not bury real calls). Default 4.
   */
  maxRingingIncoming?: number;
}

const DEFAULT_MAX_RINGING_INCOMING = 4;

export class DialError extends Error {}

export class CallManager {
  private readonly calls = new Map<string, Call>();
  /** Incoming calls refused because too many were ringing already. */
  private refusedOverLimit = 0;
  private readonly callIdBySession = new WeakMap<Session, string>();
  private readonly _onDidChange = new Emitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private readonly _onIncoming = new Emitter<CallView>();
  /** A new incoming call is ringing. */
  readonly onIncoming = this._onIncoming.event;

  constructor(private readonly options: CallManagerOptions) {}

  views(): CallView[] {
    return [...this.calls.values()].map((c) => c.view());
  }

  get(callId: string): Call | undefined {
    return this.calls.get(callId);
  }

  /** The call a command without an id means: the ringing one for answer, else the newest live one. */
  pick(callId?: string, prefer?: "ringing-incoming"): Call | undefined {
    if (callId) return this.calls.get(callId);
    if (prefer === "ringing-incoming") return this.ringingIncoming().at(-1);
    const live = [...this.calls.values()].filter((c) => !c.cleared);
    return live[live.length - 1];
  }

  /** sip.js asks for a media handler per session; ours forwards to the call window. */
  sessionDescriptionHandler(session: Session): SessionDescriptionHandler {
    const callId = this.callIdBySession.get(session);
    const call = callId ? this.calls.get(callId) : undefined;
    if (!call) throw new Error("media requested for a session that is not one of our calls");
    // A SIP call has one media session, named after the call.
    return new RemoteSessionDescriptionHandler({ id: call.id, owner: { kind: "call", callId: call.id } }, this.options.media, (n) => this.negotiated(call, n));
  }

  /** Place a call. Resolves with the call id as soon as the call exists (before it is answered). */
  async dial(input: string, opts: { accountId?: string; video?: boolean } = {}): Promise<string> {
    const account = this.options.account(opts.accountId);
    if (!account) {
      throw new DialError(opts.accountId ? `no account "${opts.accountId}" in softphone.accounts` : "no SIP account is configured — add one with \"Softphone: Add Account\"");
    }
    const parsed = parseDialString(typeof input === "string" ? input : "", { domain: domainOf(account.config.uri) });
    if (!parsed.ok) throw new DialError(parsed.error);
    const target = UserAgent.makeURI(parsed.target.uri);
    if (!target) throw new DialError(`"${input}" is not a valid SIP address`);
    if (!account.connected) {
      throw new DialError(`account "${account.id}" is not connected (${account.reason?.message ?? account.state})`);
    }

    const call = new Call(randomUUID(), account.id, "outgoing", remoteParty(parsed.target.uri, parsed.target.display === parsed.target.uri ? undefined : parsed.target.display));
    call.videoMode = opts.video ? "send" : "none";
    const inviter = new Inviter(account.ua, target, { sessionDescriptionHandlerOptions: this.sdhOptions(call), earlyMedia: true });
    call.session = inviter;
    inviter.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(call);
    this.callIdBySession.set(inviter, call.id);
    this.track(call);
    this.watchSession(call, inviter);
    this.writeHistory(call, (h) => h.recordStart({ id: call.id, accountId: call.accountId, direction: call.direction, remote: call.remote, startedAt: call.startedAt }));

    void this.sendInvite(call, inviter);
    return call.id;
  }

  private async sendInvite(call: Call, inviter: Inviter): Promise<void> {
    try {
      await this.options.media.ensureWindow();
    } catch (err) {
      this.clear(call, "failed", undefined, messageOf(err));
      return;
    }
    if (call.cleared) return; // hung up while the window was opening
    try {
      await inviter.invite({
        requestDelegate: {
          onTrying: () => {
            call.markSetup("tryingMs");
            this.advance(call, "trying");
          },
          onProgress: (response) => {
            const code = response.message.statusCode ?? 0;
            if (code === 180 || code === 183) {
              call.markSetup("ringingMs");
              this.advance(call, "ringing");
            } else this.advance(call, "trying");
          },
          onReject: (response) => {
            const code = response.message.statusCode ?? 0;
            const reason = call.endedLocally && code === 487 ? "cancelled" : clearReasonForStatus(code);
            call.setReason(reason, code, response.message.reasonPhrase);
          },
        },
      });
      // invite() resolves once the INVITE has been handed to the transport.
      call.markSetup("inviteSentMs");
    } catch (err) {
      this.clear(call, "failed", undefined, messageOf(err));
      try {
        if (inviter.state === SessionState.Initial || inviter.state === SessionState.Establishing) await inviter.cancel();
      } catch {
        /* already gone */
      }
    }
  }

  incoming(account: SipAccount, invitation: Invitation): void {
    const ringing = this.ringingIncoming().length;
    if (ringing >= (this.options.maxRingingIncoming ?? DEFAULT_MAX_RINGING_INCOMING)) {
      invitation.reject({ statusCode: 486 }).catch(() => undefined);
      // Logged on the first refusal of a burst and every 100th after: the log must not flood either.
      if (this.refusedOverLimit++ % 100 === 0) {
        this.options.log.warn(`[${account.id}] ${ringing} calls already ringing: refusing more with 486 (${this.refusedOverLimit} so far)`);
      }
      return;
    }
    const identity = invitation.remoteIdentity;
    const call = new Call(randomUUID(), account.id, "incoming", remoteParty(identity.uri.toString(), identity.displayName));
    call.videoOffered = offersVideo(invitation.request.body);
    call.session = invitation;
    this.callIdBySession.set(invitation, call.id);
    this.track(call);
    this.watchSession(call, invitation);
    this.writeHistory(call, (h) => h.recordStart({ id: call.id, accountId: call.accountId, direction: call.direction, remote: call.remote, startedAt: call.startedAt }));
    const ringTimer = setTimeout(() => {
      if (call.state === "ringing") {
        call.endedLocally = true;
        call.setReason("no-answer", 480, "No answer");
        invitation.reject({ statusCode: 480 }).catch(() => undefined);
      }
    }, this.options.ringTimeoutMs ?? 60000);
    ringTimer.unref?.();
    invitation.stateChange.addListener((s) => {
      if (s !== SessionState.Initial) clearTimeout(ringTimer);
    });
    this.updateRinging();
    this._onIncoming.fire(call.view());
  }

  /**
   * Answer the ringing call. With `video`, our camera is sent too; without, an offered video is
   * still received (the caller chose to send it) and the camera stays off until the user turns
   * it on.
   */
  async answer(callId?: string, opts: { video?: boolean } = {}): Promise<void> {
    const call = this.pick(callId, "ringing-incoming");
    if (!call || call.direction !== "incoming" || call.state !== "ringing") throw new Error("there is no ringing call to answer");
    const invitation = call.session as Invitation;
    call.videoMode = opts.video ? "send" : call.videoOffered ? "receive" : "none";
    invitation.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(call);
    this._onDidChange.fire();
    try {
      await this.options.media.ensureWindow();
      if (call.cleared) return;
      await invitation.accept({ sessionDescriptionHandlerOptions: this.sdhOptions(call) });
    } catch (err) {
      if (!call.cleared) {
        call.endedLocally = true;
        this.clear(call, "failed", undefined, messageOf(err));
        invitation.reject({ statusCode: 488 }).catch(() => undefined);
      }
      throw err;
    }
  }

  async decline(callId?: string): Promise<void> {
    const call = this.pick(callId, "ringing-incoming");
    if (!call || call.direction !== "incoming" || call.state !== "ringing") throw new Error("there is no ringing call to decline");
    call.endedLocally = true;
    call.setReason("declined", 603, "Declined");
    await (call.session as Invitation).reject({ statusCode: 603 });
  }

  /** End a call whatever its state: CANCEL while ringing, BYE in a call, 603 for an incoming ring. */
  async hangup(callId?: string): Promise<void> {
    const call = this.pick(callId);
    if (!call || call.cleared) return;
    call.endedLocally = true;
    const session = call.session;
    if (call.direction === "incoming" && call.state === "ringing") return this.decline(call.id);
    if (!session || session.state === SessionState.Initial) {
      // The INVITE has not left yet (the window is opening, or ICE is gathering). Clearing our
      // state is not enough: sip.js would still send it once the offer is ready — a ghost call
      // nobody can hang up. Cancelling an Inviter in this state ends it without sending anything.
      this.clear(call, "cancelled");
      if (session instanceof Inviter) await session.cancel().catch(() => undefined);
      return;
    }
    if (session.state === SessionState.Establishing && session instanceof Inviter) {
      call.setReason("cancelled", 487, "Cancelled");
      await session.cancel();
      return;
    }
    if (session.state === SessionState.Established) {
      call.setReason("ended-local", 200);
      await session.bye();
    }
  }

  setMuted(callId: string | undefined, muted: boolean): void {
    const call = this.pick(callId);
    if (!call || call.cleared) throw new Error("there is no call to mute");
    call.muted = muted;
    this.options.media.setMuted(call.id, muted);
    this._onDidChange.fire();
  }

  /** Video mute: the camera's frames stop (or start again) without a re-INVITE; audio is untouched. */
  setCameraOff(callId: string | undefined, off: boolean): void {
    const call = this.pick(callId);
    if (!call || call.cleared) throw new Error("there is no call to turn the camera off in");
    call.cameraOff = off;
    this.options.media.setCameraOff(call.id, off);
    this._onDidChange.fire();
  }

  async setHeld(callId: string | undefined, held: boolean): Promise<void> {
    const call = this.pick(callId);
    if (!call || call.state !== "incall" || !call.session) throw new Error("there is no call in progress to hold");
    if (call.held === held) return;
    await this.reinvite(call, { hold: held }, held ? "hold" : "resume");
    call.held = held;
    this._onDidChange.fire();
  }

  /**
   * Add our video to a call (camera on, by re-INVITE; also "Turn camera on" when we only
   * receive the far end's video) or remove video from it (both directions, by re-INVITE).
   */
  async setVideo(callId: string | undefined, on: boolean): Promise<void> {
    const call = this.pick(callId);
    if (!call || call.state !== "incall" || !call.session) throw new Error("there is no call in progress to change video in");
    const mode: VideoMode = on ? "send" : "none";
    if (call.videoMode === mode && call.videoSending === on) return;
    const before = call.videoMode;
    call.videoMode = mode;
    if (on && call.cameraOff) this.setCameraOff(call.id, false);
    try {
      await this.reinvite(call, {}, on ? "adding video" : "removing video");
    } catch (err) {
      call.videoMode = before;
      this.syncReinviteOptions(call);
      this._onDidChange.fire();
      throw err;
    }
    this._onDidChange.fire();
  }

  /** Send a re-INVITE with the call's current wishes (plus `override`); resolves once accepted. */
  private async reinvite(call: Call, override: { hold?: boolean }, what: string): Promise<void> {
    const session = call.session!;
    session.sessionDescriptionHandlerOptionsReInvite = { ...this.sdhOptions(call), ...override } as SoftphoneSdhOptions;
    try {
      await new Promise<void>((resolve, reject) => {
        session
          .invite({
            requestDelegate: {
              onAccept: () => resolve(),
              onReject: (r) => reject(new Error(`${what} refused: ${r.message.statusCode} ${r.message.reasonPhrase}`)),
            },
          })
          .catch(reject);
      });
    } catch (err) {
      this.syncReinviteOptions(call);
      throw err;
    }
    // What a later re-INVITE from the far end is answered with: our state as it now stands.
    this.syncReinviteOptions(call, override.hold);
  }

  /**
   * The options our session description handler receives from sip.js: sip.js's own
   * constraints (audio, and video when our camera is wanted), hold and the video mode.
   */
  private sdhOptions(call: Call, hold = call.held): SoftphoneSdhOptions {
    return { constraints: { audio: true, video: call.videoMode === "send" }, hold, videoMode: call.videoMode };
  }

  private syncReinviteOptions(call: Call, hold?: boolean): void {
    if (call.session) call.session.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(call, hold ?? call.held);
  }

  /** An offer/answer completed: the far end may have added or removed video. */
  private negotiated(call: Call, n: Negotiated): void {
    const changed = call.videoSending !== n.videoSending || call.videoReceiving !== n.videoReceiving;
    call.videoSending = n.videoSending;
    call.videoReceiving = n.videoReceiving;
    // They removed video altogether: so do we (the camera goes off). They added video: we
    // receive it, and our camera waits for the user ("Turn camera on").
    if (n.videoRemoved && call.videoMode !== "none") call.videoMode = "none";
    else if (n.videoReceiving && call.videoMode === "none") call.videoMode = "receive";
    this.syncReinviteOptions(call);
    if (changed) this._onDidChange.fire();
  }

  async sendDtmf(callId: string | undefined, tones: string): Promise<void> {
    const call = this.pick(callId);
    if (!call || call.state !== "incall" || !call.session) throw new Error("there is no call in progress for DTMF");
    const problem = dtmfProblem(tones);
    if (problem) throw new Error(problem);
    if ((this.options.dtmfMode?.() ?? "rfc4733") === "info") {
      for (const tone of tones) {
        await call.session.info({ requestOptions: { body: { contentDisposition: "render", contentType: "application/dtmf-relay", content: `Signal=${tone}\r\nDuration=100` } } });
      }
      return;
    }
    if (!call.session.sessionDescriptionHandler?.sendDtmf(tones)) throw new Error("DTMF could not be sent on this call");
  }

  /**
   * The call window's periodic figures for a call's media: quality for the views (a change of
   * grade is announced at once, other changes ride along with the next one or every 5 s) and
   * the set-up steps only the media can see (ICE connected, first audio, first video frame).
   */
  mediaStats(callId: string, stats: MediaStats): void {
    const call = this.calls.get(callId);
    if (!call || call.cleared) return;
    const firstSeen = [
      ["iceConnectedMs", stats.iceConnectedAt],
      ["firstAudioMs", stats.firstPacketAt],
      ["firstVideoMs", stats.firstFrameAt],
    ] as const;
    let stepAdded = false;
    for (const [step, at] of firstSeen) {
      if (typeof at === "number" && call.setupAt[step] === undefined) {
        call.markSetup(step, at);
        stepAdded = call.setupAt[step] !== undefined || stepAdded;
      }
    }
    if (stepAdded && call.setupAt.firstAudioMs !== undefined && !call.setupLogged) {
      call.setupLogged = true;
      this.options.log.info(`call ${call.id} set-up: ${formatSetup(call.setupTimings())}`);
    }
    const before = call.quality;
    call.quality = stats.quality;
    const now = Date.now();
    if (stepAdded || before?.grade !== stats.quality?.grade || now - call.qualityAnnouncedAt >= 5000) {
      call.qualityAnnouncedAt = now;
      this._onDidChange.fire();
    }
  }

  /** The call window lost these calls' media: end them on the network too. */
  mediaLost(callIds: string[], why: string): void {
    for (const id of callIds) {
      const call = this.calls.get(id);
      if (!call || call.cleared) continue;
      this.options.log.warn(`call ${id}: ${why}; ending it`);
      call.reasonText = why;
      void this.hangup(id).catch(() => undefined);
    }
  }

  /** End everything (extension deactivating). */
  async dispose(): Promise<void> {
    await Promise.all([...this.calls.values()].filter((c) => !c.cleared).map((c) => this.hangup(c.id).catch(() => undefined)));
    this._onDidChange.dispose();
  }

  // ---- internals ----

  private track(call: Call): void {
    this.calls.set(call.id, call);
    this._onDidChange.fire();
  }

  private watchSession(call: Call, session: Inviter | Invitation): void {
    session.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        call.answeredAt = Date.now();
        call.markSetup("answeredMs", call.answeredAt);
        this.advance(call, "incall");
        const at = call.answeredAt;
        this.writeHistory(call, (h) => h.recordAnswer(call.id, at));
        this.updateRinging();
      } else if (s === SessionState.Terminated) {
        // sip.js enters Terminated *before* it hands us the final response (onReject), so
        // let that run first: it carries the SIP status that decides busy / declined / ….
        setTimeout(() => {
          if (!call.reason) {
            if (call.answeredAt !== undefined) call.setReason(call.endedLocally ? "ended-local" : "ended-remote", 200);
            else if (call.direction === "incoming" && !call.endedLocally) call.setReason("cancelled", 487, "Caller hung up");
            else call.setReason("failed");
          }
          this.clear(call, call.reason!, call.status, call.reasonText);
        }, 0);
      }
    });
  }

  /** History writes of one call happen in order (start, answer, end), never blocking the call. */
  private writeHistory(call: Call, write: (history: HistoryStore) => Promise<void>): void {
    call.historyWritten = call.historyWritten
      .then(() => write(this.options.history))
      .catch((e) => this.options.log.error(`history: ${messageOf(e)}`));
  }

  /** Resolves once everything this call has to say to history is on disk. */
  historySettled(callId: string): Promise<void> {
    return this.calls.get(callId)?.historyWritten ?? Promise.resolve();
  }

  private advance(call: Call, to: "trying" | "ringing" | "incall"): void {
    if (call.sm.advance(to)) this._onDidChange.fire();
  }

  private clear(call: Call, reason: ClearReason, status?: number, text?: string): void {
    if (call.cleared) return;
    call.setReason(reason, status, text);
    call.endedAt = Date.now();
    call.sm.advance("cleared", call.endedAt);
    this.options.media.close(call.id);
    this.updateRinging();
    this._onDidChange.fire();
    const end = {
      endedAt: call.endedAt,
      outcome: historyOutcome(call.direction, call.answeredAt !== undefined, call.reason),
      status: call.status,
      reason: call.reason,
    };
    this.writeHistory(call, (h) => h.recordEnd(call.id, end));
    const linger = setTimeout(() => {
      this.calls.delete(call.id);
      this._onDidChange.fire();
    }, this.options.lingerMs ?? 20000);
    linger.unref?.();
  }

  private updateRinging(): void {
    const ringing = this.ringingIncoming().length > 0;
    this.options.media.setRinging(ringing);
  }

  /** Incoming calls that are ringing now, oldest first. */
  private ringingIncoming(): Call[] {
    return [...this.calls.values()].filter((c) => c.direction === "incoming" && c.state === "ringing");
  }
}

/** Whether an SDP offer has an active video stream (m=video with a port other than 0). */
export function offersVideo(body: string | undefined): boolean {
  return typeof body === "string" && /^m=video [1-9]/m.test(body);
}

/** "INVITE +12 ms, 100 +30 ms, 180 +120 ms, …" in the order a call goes through them. */
export function formatSetup(t: CallSetupTimings | undefined): string {
  if (!t) return "no steps yet";
  const steps: Array<[keyof CallSetupTimings, string]> = [
    ["inviteSentMs", "INVITE sent"],
    ["tryingMs", "100"],
    ["ringingMs", "180/183"],
    ["answeredMs", "200"],
    ["iceConnectedMs", "ICE connected"],
    ["firstAudioMs", "first audio"],
    ["firstVideoMs", "first video frame"],
  ];
  return steps.filter(([k]) => t[k] !== undefined).map(([k, label]) => `${label} +${t[k]} ms`).join(", ");
}
