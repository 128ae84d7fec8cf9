// Places, answers and ends calls. Maps sip.js sessions onto our call state machine
// (connecting → trying → ringing → incall → cleared), records every call in history as it
// starts (so a crash mid-call still leaves an entry) and again when it ends.
import { randomUUID } from "node:crypto";
import { Inviter, SessionState, UserAgent, type Invitation, type Referral, type Session, type SessionDescriptionHandler } from "sip.js";
import { domainOf } from "../accounts/accountConfig";
import type { HistoryStore } from "../history/historyStore";
import type { MediaPort } from "../media/mediaPort";
import { RemoteSessionDescriptionHandler, type SoftphoneSdhOptions } from "../media/remoteSdh";
import type { IcePathState, MediaStats, Negotiated, VideoMode } from "../protocol/callWindow";
import type { CallSetupTimings, CallView, ClearReason, RemoteParty, TransferView } from "../protocol/model";
import type { SipAccount } from "../sip/sipAccount";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import { Call } from "./call";
import { clearReasonForStatus, historyOutcome } from "./callState";
import { parseDialString } from "./dialString";
import { callerIdentity, remoteParty } from "./remoteParty";
import { dtmfProblem } from "./dtmf";
import { messageOf, quoteForMessage } from "../util/text";
import { refuseCrossingReinvites, reinviteBlocked, unsentReinvite } from "../sip/reinviteCollisions";
import { voicemailUri } from "./transfer";
import type { RecordingFiles } from "./recordings";
import { Transfers, type TransferOptions, type TransferTarget } from "./transfers";
import { LocalConference } from "./conference";
import { answerAfterHint, autoAnswerDelay } from "./autoAnswer";
import { IceRestarts } from "./iceRestart";
import type { LiveDialog } from "./liveDialogs";
import { liveDialogOf } from "../sip/dialogBye";

/** The media side as the call layer needs it: SDP + the window's lifecycle. */
export interface CallMedia extends MediaPort {
  /** Start or stop recording a session (the window sends the pieces, see RecordingFiles). */
  setRecording(sessionId: string, on: boolean): void;
  /** Mix these sessions into one local conference (fewer than two: none). */
  setConference(sessionIds: string[]): void;
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
  /** Where recordings are written (pieces arrive from the call window). */
  recordings?: RecordingFiles;
  /**
   * Asked before we follow the other party's REFER (setting softphone.transfer.askFirst);
   * false refuses it (603). Absent: followed at once. Must settle well within 32 s (the
   * REFER's transaction).
   */
  confirmTransfer?: (request: { callId: string; from: RemoteParty; to: RemoteParty }) => Promise<boolean>;
  /** Record every call from its answer ("softphone.recording.recordAll"). */
  recordAll?: () => boolean;
  /** Do not disturb: incoming calls are refused with 486 and recorded as missed. */
  doNotDisturb?: () => boolean;
  /** Test hook: how long to wait for the transferee's NOTIFYs. */
  transferTiming?: { firstNotifyMs?: number; finalNotifyMs?: number };
  /**
   * Incoming calls allowed to ring at once; more are refused with 486 at once, without a
   * notification, a ring or a history entry (a flood must not bury real calls). Default 4.
   */
  maxRingingIncoming?: number;
  /**
   * Where established calls' dialogs are kept while they last, so that the next run can end
   * them if this one is killed (see liveDialogs.ts, leftoverCalls.ts). Absent: not kept.
   */
  liveDialogs?: { remember(dialog: LiveDialog): Promise<void>; forget(callId: string): Promise<void> };
}

const DEFAULT_MAX_RINGING_INCOMING = 4;
/** Sends of one re-INVITE when it must wait for another (491, 500, or a transaction still open here). */
const REINVITE_TRIES = 5;
/** How long the last piece of a recording may take to arrive before its file is closed anyway. */
const RECORDING_FINISH_GRACE_MS = 5000;

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
  private readonly _onTransferAccepted = new Emitter<{ replacedCallId: string; call: CallView }>();
  /**
   * A call of ours was moved by a transfer: we were the transferee (the other party sent a
   * REFER and `call` is the new call we placed) or the target (an INVITE with Replaces).
   */
  readonly onTransferAccepted = this._onTransferAccepted.event;
  private readonly transfers: Transfers;
  /** Calls whose ICE failed: restarted until it connects again. */
  private readonly iceRestarts = new IceRestarts(
    (callId) => this.restartIce(callId),
    (callId, text) => this.options.log.warn(`call ${callId}: ${text}`),
  );
  private readonly conference = new LocalConference({
    inProgress: () => [...this.calls.values()].filter((c) => c.state === "incall" && c.session),
    setHeld: (call, held) => this.holdLeg(call, held),
    mix: (sessionIds) => this.options.media.setConference(sessionIds),
    changed: () => this._onDidChange.fire(),
  });

  constructor(private readonly options: CallManagerOptions) {
    this.transfers = new Transfers(
      {
        log: options.log,
        call: (id) => this.calls.get(id),
        setHeld: (id, held) => this.setHeld(id, held, { exclusive: false }),
        endTransferred: (id) => this.endTransferred(id),
        resolveTarget: (call, input) => this.resolveTarget(call.accountId, input),
        voicemailOf: (call, user) => {
          const account = this.options.account(call.accountId);
          const pattern = account?.config.voicemail;
          if (!account || !pattern) throw new Error(`account "${call.accountId}" has no voicemail address (set "voicemail" in softphone.accounts)`);
          return voicemailUri(pattern, user, domainOf(account.config.uri));
        },
        changed: () => this._onDidChange.fire(),
      },
      options.transferTiming,
    );
  }

  /**
   * Transfer a call in progress: blind to a dial string, attended to another of our calls
   * (`{ callId }`), or to someone's voicemail (`{ voicemailOf }`). Resolves with the attempt
   * once the REFER is out; its state then moves on (getState(), onDidChange).
   */
  async transfer(callId: string | undefined, target: TransferTarget, options: TransferOptions = {}): Promise<TransferView> {
    const call = this.pick(callId);
    if (!call) throw new Error("there is no call to transfer");
    const attempt = await this.transfers.start(call, target, options);
    return attempt.view();
  }

  /** A dial string as a SIP URI for this account (its domain completes user names). */
  private resolveTarget(accountId: string, input: string): string {
    const account = this.options.account(accountId);
    if (!account) throw new DialError(`no account "${accountId}" in softphone.accounts`);
    const parsed = parseDialString(typeof input === "string" ? input : "", { domain: domainOf(account.config.uri), dialPlan: account.config.dialPlan });
    if (!parsed.ok) throw new DialError(parsed.error);
    if (!UserAgent.makeURI(parsed.target.uri)) throw new DialError(`"${input}" is not a valid SIP address`);
    return parsed.target.uri;
  }

  /** Our leg after a successful transfer: BYE, cleared as "transferred". */
  private async endTransferred(callId: string): Promise<void> {
    const call = this.calls.get(callId);
    if (!call || call.cleared) return;
    call.endedLocally = true;
    call.setReason("transferred", 200, "Transferred");
    if (call.session?.state === SessionState.Established) await call.session.bye();
  }

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
    const parsed = parseDialString(typeof input === "string" ? input : "", { domain: domainOf(account.config.uri), dialPlan: account.config.dialPlan });
    if (!parsed.ok) throw new DialError(parsed.error);
    const target = UserAgent.makeURI(parsed.target.uri);
    if (!target) throw new DialError(`"${input}" is not a valid SIP address`);
    if (!account.connected) {
      throw new DialError(`account "${account.id}" is not connected (${account.reason?.message ?? account.state})`);
    }

    const call = new Call(randomUUID(), account.id, "outgoing", remoteParty(parsed.target.uri, parsed.target.display === parsed.target.uri ? undefined : parsed.target.display));
    call.videoMode = opts.video ? "send" : "none";
    this.startOutgoing(call, new Inviter(account.ua, target, { sessionDescriptionHandlerOptions: this.sdhOptions(call), earlyMedia: true }));
    return call.id;
  }

  /** Track a new incoming call and record it (ringing, notifying or answering is the caller's). */
  private startIncoming(account: SipAccount, invitation: Invitation, replacesCallId?: string): Call {
    const identity = invitation.remoteIdentity;
    const call = new Call(randomUUID(), account.id, "incoming", remoteParty(...callerIdentity(invitation.request.getHeader("P-Asserted-Identity"), identity.uri.toString(), identity.displayName)));
    call.replacesCallId = replacesCallId;
    call.videoOffered = offersVideo(invitation.request.body);
    call.session = invitation;
    this.callIdBySession.set(invitation, call.id);
    this.track(call);
    this.watchSession(call, invitation);
    this.writeHistory(call, (h) => h.recordStart({ id: call.id, accountId: call.accountId, direction: call.direction, remote: call.remote, startedAt: call.startedAt }));
    return call;
  }

  /** Track a new outgoing call, record it and send its INVITE (without waiting for it). */
  private startOutgoing(call: Call, inviter: Inviter): void {
    call.session = inviter;
    inviter.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(call);
    this.callIdBySession.set(inviter, call.id);
    this.track(call);
    this.watchSession(call, inviter);
    this.writeHistory(call, (h) => h.recordStart({ id: call.id, accountId: call.accountId, direction: call.direction, remote: call.remote, startedAt: call.startedAt }));
    void this.sendInvite(call, inviter);
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
    const replaced = this.replacedBy(invitation);
    if (replaced) {
      this.takeOver(account, invitation, replaced);
      return;
    }
    if (this.options.doNotDisturb?.()) {
      this.refuseDisturbing(account, invitation);
      return;
    }
    const ringing = this.ringingIncoming().length;
    if (ringing >= (this.options.maxRingingIncoming ?? DEFAULT_MAX_RINGING_INCOMING)) {
      invitation.reject({ statusCode: 486 }).catch(() => undefined);
      // Logged on the first refusal of a burst and every 100th after: the log must not flood either.
      if (this.refusedOverLimit++ % 100 === 0) {
        this.options.log.warn(`[${account.id}] ${ringing} calls already ringing: refusing more with 486 (${this.refusedOverLimit} so far)`);
      }
      return;
    }
    const call = this.startIncoming(account, invitation);
    // 180 Ringing now that it rings here (sip.js no longer sends it before asking us: see SipAccount).
    invitation.progress().catch((err) => this.options.log.warn(`call ${call.id}: could not send 180 Ringing: ${messageOf(err)}`));
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
    this.autoAnswerIfAsked(account, invitation, call);
  }

  /** Auto-answer (see autoAnswer.ts): the account allows it and no other call is in progress. */
  private autoAnswerIfAsked(account: SipAccount, invitation: Invitation, call: Call): void {
    const request = invitation.request;
    const hint = answerAfterHint({ callInfo: request.getHeaders("call-info"), alertInfo: request.getHeaders("alert-info") });
    const busy = [...this.calls.values()].some((c) => c !== call && !c.cleared && (c.state === "incall" || c.direction === "outgoing"));
    const delay = autoAnswerDelay(account.config.autoAnswer, { hint, delaySeconds: account.config.autoAnswerDelaySeconds, busy });
    if (delay === undefined) return;
    this.options.log.info(`call ${call.id}: auto-answer in ${delay} s (${hint !== undefined ? "the caller asked for it" : "the account answers every call"})`);
    const timer = setTimeout(() => {
      if (call.state === "ringing") this.answer(call.id).catch((err) => this.options.log.warn(`call ${call.id}: auto-answer failed: ${messageOf(err)}`));
    }, delay * 1000);
    timer.unref?.();
  }

  /**
   * Answer the ringing call. With `video`, our camera is sent too; without, an offered video is
   * still received (the caller chose to send it) and the camera stays off until the user turns
   * it on.
   */
  async answer(callId?: string, opts: { video?: boolean; holdOthers?: boolean } = {}): Promise<void> {
    const call = this.pick(callId, "ringing-incoming");
    if (!call || call.direction !== "incoming" || call.state !== "ringing") throw new Error("there is no ringing call to answer");
    const invitation = call.session as Invitation;
    call.videoMode = opts.video ? "send" : call.videoOffered ? "receive" : "none";
    invitation.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(call);
    this._onDidChange.fire();
    try {
      // Call waiting: answering one call puts the call in progress on hold (not when the call
      // replaces another: that one ends, and the others are the user's business).
      if (opts.holdOthers !== false) await this.holdOthers([call]);
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
    // A call waiting while we talk in another is turned away as busy (486), as phones do;
    // otherwise the caller hears that we declined (603).
    const busy = [...this.calls.values()].some((c) => c !== call && c.state === "incall");
    if (busy) call.setReason("declined", 486, "Busy Here");
    else call.setReason("declined", 603, "Declined");
    await (call.session as Invitation).reject({ statusCode: busy ? 486 : 603 });
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

  /** Mute our microphone in a call (in every leg, when the call is in a conference). */
  setMuted(callId: string | undefined, muted: boolean): void {
    const call = this.uncleared(callId, "there is no call to mute");
    for (const leg of this.conference.has(call) ? this.conference.members : [call]) {
      leg.muted = muted;
      this.options.media.setMuted(leg.id, muted);
    }
    this._onDidChange.fire();
  }

  /** Video mute: the camera's frames stop (or start again) without a re-INVITE; audio is untouched. */
  setCameraOff(callId: string | undefined, off: boolean): void {
    const call = this.uncleared(callId, "there is no call to turn the camera off in");
    call.cameraOff = off;
    this.options.media.setCameraOff(call.id, off);
    this._onDidChange.fire();
  }

  /** Start or stop recording a call in progress (both directions into one file; see RecordingFiles). */
  setRecording(callId: string | undefined, on: boolean): void {
    const call = this.uncleared(callId, "there is no call to record");
    if (on === call.recording) return;
    if (on && call.state !== "incall") throw new Error("only a call in progress can be recorded");
    if (on) this.startRecording(call);
    else this.stopRecording(call);
  }

  private startRecording(call: Call): void {
    const recordings = this.options.recordings;
    if (!recordings) throw new Error("recording is not available");
    call.recordingFile = recordings.begin(call.id, call.remote);
    call.recording = true;
    this.options.log.info(`call ${call.id}: recording to ${call.recordingFile}`);
    this.options.media.setRecording(call.id, true);
    this._onDidChange.fire();
  }

  /** The window sends the last piece; a window that is gone sends nothing, so the file is closed after a grace. */
  private stopRecording(call: Call): void {
    call.recording = false;
    this.options.media.setRecording(call.id, false);
    const recordings = this.options.recordings;
    const timer = setTimeout(() => recordings?.finish(call.id), RECORDING_FINISH_GRACE_MS);
    timer.unref?.();
    this._onDidChange.fire();
  }

  /** Put every other call in progress on hold (call waiting, swap); one that refuses is logged, not fatal. */
  private async holdOthers(keep: readonly Call[]): Promise<void> {
    const others = [...this.calls.values()].filter((c) => !keep.includes(c) && c.state === "incall" && !c.held && c.session);
    for (const other of others) {
      await this.holdLeg(other, true).catch((err) => this.options.log.warn(`call ${other.id}: could not hold it for ${keep[0]?.id}: ${messageOf(err)}`));
    }
  }

  /** Do not disturb: 486 at once, no ring and no notification, but a missed call in history. */
  private refuseDisturbing(account: SipAccount, invitation: Invitation): void {
    invitation.reject({ statusCode: 486 }).catch(() => undefined);
    const identity = invitation.remoteIdentity;
    const remote = remoteParty(identity.uri.toString(), identity.displayName);
    const at = Date.now();
    const id = randomUUID();
    this.options.log.info(`[${account.id}] do not disturb: refused a call from ${remote.uri} (486)`);
    this.options.history
      .recordStart({ id, accountId: account.id, direction: "incoming", remote, startedAt: at })
      .then(() => this.options.history.recordEnd(id, { endedAt: at, outcome: "missed", status: 486, reason: "busy" }))
      .catch((e) => this.options.log.error(`history: ${messageOf(e)}`));
  }

  /** The call meant (see pick), which must not have cleared; else `none` as the error. */
  private uncleared(callId: string | undefined, none: string): Call {
    const call = this.pick(callId);
    if (!call || call.cleared) throw new Error(none);
    return call;
  }

  /**
   * Hold or resume. Resuming puts our other calls in progress on hold (swap), unless
   * `exclusive: false` (a transfer that failed takes its call back as it was).
   */
  async setHeld(callId: string | undefined, held: boolean, opts: { exclusive?: boolean } = {}): Promise<void> {
    const call = this.pick(callId);
    if (!call || call.state !== "incall" || !call.session) throw new Error("there is no call in progress to hold");
    if (opts.exclusive === false) return this.holdLeg(call, held);
    // A conference holds and resumes as one.
    const group = this.conference.has(call) ? [...this.conference.members] : [call];
    // Swap: taking one call off hold puts the one in progress on hold.
    if (!held) await this.holdOthers(group);
    for (const leg of group) await this.holdLeg(leg, held);
  }

  private async holdLeg(call: Call, held: boolean): Promise<void> {
    if (call.held === held || call.cleared) return;
    await this.reinvite(call, { hold: held }, held ? "hold" : "resume");
    call.held = held;
    this._onDidChange.fire();
  }

  /**
   * Merge a call with `withCallIds` (default: every call in progress) into a local conference,
   * or split the conference keeping `callId` talking.
   */
  async setConference(callId: string | undefined, on: boolean, withCallIds?: string[]): Promise<void> {
    const call = this.uncleared(callId, on ? "there is no call to merge" : "there is no call to take out of the conference");
    if (!on) return this.conference.split(call);
    const others = withCallIds?.map((id) => this.uncleared(id, `there is no call ${quoteForMessage(id, 40)} to merge`));
    await this.conference.merge(others ? [call, ...others] : undefined);
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

  /** The call window's ICE for a call lost its path or found it again (see IceRestarts). */
  iceChanged(callId: string, state: IcePathState): void {
    const call = this.calls.get(callId);
    if (!call || call.cleared) return;
    this.options.log.info(`call ${callId}: ICE ${state}`);
    this.iceRestarts.changed(callId, state);
  }

  /** The machine's network changed: every call in progress restarts ICE to find its path through the new network. */
  networkChanged(): void {
    for (const call of this.calls.values()) {
      if (call.cleared || call.state !== "incall" || call.session?.state !== SessionState.Established) continue;
      this.iceRestarts.now(call.id);
    }
  }

  /** Restart the call's ICE: a re-INVITE offering new ICE credentials (the media is kept). */
  private async restartIce(callId: string): Promise<void> {
    const call = this.calls.get(callId);
    if (!call || call.cleared || call.state !== "incall" || call.session?.state !== SessionState.Established) throw new Error("the call is not in progress");
    await this.reinvite(call, { iceRestart: true }, "ICE restart");
  }

  /**
   * The account's connection is back after it was lost (e.g. the proxy restarted): the far ends
   * of its calls still address us through the old connection — the proxy names it in our Contact
   * (Kamailio's alias) — so their BYE or re-INVITE would go nowhere. Each call in progress sends a
   * re-INVITE from the new connection: same media, and the far end learns the new way back.
   * (RFC 5626 flow tokens would spare this; sip.js does not implement Outbound.)
   */
  reconnected(accountId: string): void {
    for (const call of this.calls.values()) {
      if (call.accountId !== accountId || call.cleared || call.state !== "incall" || call.session?.state !== SessionState.Established) continue;
      this.reinvite(call, {}, "re-INVITE from the new connection").catch((err) => this.options.log.warn(`call ${call.id}: could not tell the far end our new connection: ${messageOf(err)}`));
    }
  }

  /** Send a re-INVITE with the call's current wishes (plus `override`); resolves once accepted. */
  private async reinvite(call: Call, override: { hold?: boolean; iceRestart?: boolean }, what: string): Promise<void> {
    const session = call.session!;
    const send = async (): Promise<void> => {
      const blocked = reinviteBlocked(session);
      if (blocked) throw Object.assign(new Error(`${what} must wait: ${blocked}`), { mustWait: true });
      // Set per attempt: while we wait, the far end's re-INVITEs are answered as things stand.
      session.sessionDescriptionHandlerOptionsReInvite = { ...this.sdhOptions(call), ...override } as SoftphoneSdhOptions;
      await new Promise<void>((resolve, reject) => {
        session
          .invite({
            requestDelegate: {
              onAccept: () => resolve(),
              onReject: (r) => reject(Object.assign(new Error(`${what} refused: ${r.message.statusCode} ${r.message.reasonPhrase}`), { statusCode: r.message.statusCode })),
            },
          })
          .catch(async (err) => {
            // sip.js made our offer, then found a transaction still open and did not send it:
            // take the offer back, or the peer connection would wait for its answer for ever.
            const unsent = unsentReinvite(err);
            if (unsent === "offer-made") await session.sessionDescriptionHandler?.rollbackDescription?.().catch(() => undefined);
            reject(unsent ? Object.assign(err, { mustWait: true }) : err);
          });
      });
    };
    const started = Date.now();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await send();
          this.options.log.info(`call ${call.id}: ${what} accepted after ${Date.now() - started} ms (attempt ${attempt})`);
          break;
        } catch (err) {
          // 491 (glare, RFC 3261 14.1) and 500 (a re-INVITE that crossed the initial ACK,
          // RFC 5407) mean "try again shortly", not "no"; so does a transaction of either side
          // still open here (see reinviteCollisions.ts), only sooner.
          const code = (err as { statusCode?: number }).statusCode;
          const mustWait = (err as { mustWait?: boolean }).mustWait === true;
          this.options.log.info(`call ${call.id}: ${what} attempt ${attempt} failed after ${Date.now() - started} ms: ${messageOf(err)}`);
          if ((code !== 491 && code !== 500 && !mustWait) || attempt >= REINVITE_TRIES || call.cleared) throw err;
          this.syncReinviteOptions(call);
          await new Promise((r) => setTimeout(r, mustWait ? 100 + Math.random() * 200 : 300 + Math.random() * 700));
        }
      }
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

  // ---- transfers: transferee and target ----

  /**
   * The other party of `call` asks us to call someone else (REFER): accept, place that call
   * (with Replaces when the REFER carries one; sip.js reports its progress in NOTIFYs), and
   * once it is up end `call` (replacementUp). A failed new call leaves `call` as it is.
   */
  private referred(call: Call, referral: Referral): void {
    const account = this.options.account(call.accountId);
    if (!account || call.state !== "incall") {
      referral.reject({ statusCode: 603 }).catch(() => undefined);
      return;
    }
    const target = referral.referTo.uri.clone();
    target.clearHeaders();
    const to = remoteParty(target.toString(), referral.referTo.friendlyName || undefined);
    const ask = this.options.confirmTransfer;
    const decided = ask ? ask({ callId: call.id, from: call.remote, to }).catch(() => false) : Promise.resolve(true);
    void decided.then((accepted) => {
      if (call.cleared) return;
      if (!accepted) {
        this.options.log.info(`call ${call.id}: the user refused to be transferred to ${to.uri} (603)`);
        referral.reject({ statusCode: 603 }).catch(() => undefined);
        return;
      }
      this.followReferral(call, account, referral, to);
    });
  }

  private followReferral(call: Call, account: SipAccount, referral: Referral, to: RemoteParty): void {
    this.options.log.info(`call ${call.id}: transferred by the other party to ${to.uri}`);
    referral
      .accept()
      .then(() => {
        const next = new Call(randomUUID(), account.id, "outgoing", to);
        next.replacesCallId = call.id;
        const inviter = referral.makeInviter({ sessionDescriptionHandlerOptions: this.sdhOptions(next), earlyMedia: true });
        this.startOutgoing(next, inviter);
      })
      .catch((err) => this.options.log.warn(`call ${call.id}: the transfer request could not be followed: ${messageOf(err)}`));
  }

  /** The call of ours an INVITE with Replaces takes over (sip.js matched the dialog), if any. */
  private replacedBy(invitation: Invitation): Call | undefined {
    const replacee = (invitation as unknown as { _replacee?: Session })._replacee;
    const id = replacee ? this.callIdBySession.get(replacee) : undefined;
    const call = id ? this.calls.get(id) : undefined;
    return call && !call.cleared ? call : undefined;
  }

  /**
   * We are the target of an attended transfer: the INVITE replaces one of our calls. It is
   * answered at once, without ringing (the user already talks to this party's transferor), and
   * sip.js sends the replaced call its BYE.
   */
  private takeOver(account: SipAccount, invitation: Invitation, replaced: Call): void {
    const identity = invitation.remoteIdentity;
    const call = this.startIncoming(account, invitation, replaced.id);
    replaced.endedLocally = true;
    replaced.setReason("transferred", 200, "Replaced by a transferred call");
    this.options.log.info(`call ${replaced.id}: replaced by ${call.id} from ${identity.uri.toString()}`);
    this.answer(call.id, { video: replaced.videoMode === "send", holdOthers: false }).catch((err) => this.options.log.warn(`call ${call.id}: taking over ${replaced.id} failed: ${messageOf(err)}`));
  }

  /** The call that replaces another is up: the other ends (transferee side), and we say so. */
  private replacementUp(call: Call): void {
    const old = call.replacesCallId ? this.calls.get(call.replacesCallId) : undefined;
    if (old && !old.cleared && call.direction === "outgoing") {
      old.endedLocally = true;
      old.setReason("transferred", 200, "Transferred");
      if (old.session?.state === SessionState.Established) void old.session.bye().catch(() => undefined);
    }
    this._onTransferAccepted.fire({ replacedCallId: call.replacesCallId!, call: call.view() });
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
    refuseCrossingReinvites(session);
    // A REFER from the party of this call: we are the transferee.
    session.delegate = { ...session.delegate, onRefer: (referral) => this.referred(call, referral) };
    session.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        call.answeredAt = Date.now();
        call.markSetup("answeredMs", call.answeredAt);
        if (this.options.recordAll?.()) this.startRecording(call);
        this.advance(call, "incall");
        const at = call.answeredAt;
        this.writeHistory(call, (h) => h.recordAnswer(call.id, at));
        this.keepDialog(call, session);
        this.updateRinging();
        if (call.replacesCallId) this.replacementUp(call);
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

  /** An established call's dialog goes to disk (the store orders it before the call's forget). */
  private keepDialog(call: Call, session: Session): void {
    const store = this.options.liveDialogs;
    const dialog = store && liveDialogOf(session, { callId: call.id, accountId: call.accountId });
    if (dialog) store.remember(dialog).catch((e) => this.options.log.error(`live dialogs: ${messageOf(e)}`));
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
    this.iceRestarts.forget(call.id);
    this.conference.left(call);
    this.updateRinging();
    this._onDidChange.fire();
    if (call.recording) this.stopRecording(call);
    const end = {
      endedAt: call.endedAt,
      outcome: historyOutcome(call.direction, call.answeredAt !== undefined, call.reason),
      status: call.status,
      reason: call.reason,
      ...(call.recordingFile ? { recording: call.recordingFile } : {}),
    };
    this.writeHistory(call, (h) => h.recordEnd(call.id, end));
    // Ended (or never established): nothing for a later run to end. A BYE of ours still in
    // flight when the process dies leaves the dialog on disk; the next run's BYE then gets 481.
    if (call.answeredAt !== undefined) this.options.liveDialogs?.forget(call.id).catch((e) => this.options.log.error(`live dialogs: ${messageOf(e)}`));
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
