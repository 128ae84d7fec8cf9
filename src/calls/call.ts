// One call: its sip.js session, its state machine and what a person sees of it.
import type { Invitation, Inviter } from "sip.js";
import type { VideoMode } from "../protocol/callWindow";
import type { CallDirection, CallSetupTimings, CallState, CallView, ClearReason, RemoteParty } from "../protocol/model";
import type { MediaQuality } from "../protocol/quality";
import type { TransferAttempt } from "./transfer";
import { CallStateMachine } from "./callState";

export class Call {
  readonly sm: CallStateMachine;
  muted = false;
  held = false;
  answeredAt: number | undefined;
  endedAt: number | undefined;
  status: number | undefined;
  reason: ClearReason | undefined;
  reasonText: string | undefined;
  /** We initiated the end (hangup, cancel, decline): tells "ended-local" from "ended-remote". */
  endedLocally = false;
  session: Inviter | Invitation | undefined;
  /** What our next SDP asks of video (see VideoMode). */
  videoMode: VideoMode = "none";
  /** The incoming INVITE's offer had video. */
  videoOffered = false;
  videoSending = false;
  videoReceiving = false;
  cameraOff = false;
  quality: MediaQuality | undefined;
  qualityAnnouncedAt = 0;
  setupLogged = false;
  /** Epoch ms of each set-up step (see CallSetupTimings). */
  readonly setupAt: { [K in keyof CallSetupTimings]?: number } = {};
  /** Being recorded now, and the file of its (latest) recording. */
  recording = false;
  recordingFile: string | undefined;
  /** The latest transfer attempt (we are the transferor). */
  transfer: TransferAttempt | undefined;
  /** This call takes over another (we are the transferee, or the target of a Replaces). */
  replacesCallId: string | undefined;
  /** Mixed with our other calls in a local conference (see LocalConference). */
  inConference = false;
  /** Tail of this call's ordered history writes. */
  historyWritten: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly accountId: string,
    readonly direction: CallDirection,
    readonly remote: RemoteParty,
    readonly startedAt = Date.now(),
  ) {
    this.sm = new CallStateMachine(direction);
  }

  get state(): CallState {
    return this.sm.state;
  }

  get cleared(): boolean {
    return this.sm.state === "cleared";
  }

  /** Video was asked for or is flowing (the call window shows tiles, the sidebar video buttons). */
  get hasVideo(): boolean {
    return this.videoMode !== "none" || this.videoSending || this.videoReceiving;
  }

  /** Record a set-up step the first time it happens. */
  markSetup(step: keyof CallSetupTimings, at = Date.now()): void {
    if (at >= this.startedAt) this.setupAt[step] ??= at;
  }

  /** The set-up steps so far, in ms after the start; undefined before any. */
  setupTimings(): CallSetupTimings | undefined {
    const entries = Object.entries(this.setupAt).map(([k, at]) => [k, Math.round(at! - this.startedAt)]);
    return entries.length ? (Object.fromEntries(entries) as CallSetupTimings) : undefined;
  }

  /** Set the clear reason once; the first cause wins (a BYE after our CANCEL changes nothing). */
  setReason(reason: ClearReason, status?: number, text?: string): void {
    if (this.reason) return;
    this.reason = reason;
    this.status = status;
    this.reasonText = text;
  }

  view(): CallView {
    const v: CallView = {
      id: this.id,
      accountId: this.accountId,
      direction: this.direction,
      remote: this.remote,
      state: this.state,
      muted: this.muted,
      held: this.held,
      startedAt: this.startedAt,
    };
    if (this.answeredAt !== undefined) v.answeredAt = this.answeredAt;
    if (this.endedAt !== undefined) v.endedAt = this.endedAt;
    if (this.status !== undefined) v.status = this.status;
    if (this.reason !== undefined) v.reason = this.reason;
    if (this.reasonText !== undefined) v.reasonText = this.reasonText;
    if (this.videoOffered) v.videoOffered = true;
    if (this.quality && this.state === "incall") v.quality = this.quality;
    const setup = this.setupTimings();
    if (setup) v.setup = setup;
    if (this.transfer) v.transfer = this.transfer.view();
    if (this.replacesCallId) v.replacesCallId = this.replacesCallId;
    if (this.recording) v.recording = true;
    if (this.inConference) v.conference = true;
    if (this.hasVideo) v.video = { mode: this.videoMode, sending: this.videoSending, receiving: this.videoReceiving, cameraOff: this.cameraOff };
    return v;
  }
}
