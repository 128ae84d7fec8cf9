// One transfer attempt on the transferor's side, as calling SDKs model it (three parties: we
// start it, the transferee's call moves, the target receives it): `none → transferring →
// transferred | failed`, with an error when it fails. On SIP the transferee reports progress
// in NOTIFYs whose body is a "message/sipfrag" status line (RFC 3515); this module turns those
// into states. Pure: no sip.js, no vscode; src/calls/transfers.ts drives it.
import type { TransferKind, TransferState, TransferView } from "../protocol/model";

/** "SIP/2.0 180 Ringing" → { statusCode: 180, reason: "Ringing" }; undefined for anything else. */
export function parseSipfrag(body: string | undefined): { statusCode: number; reason: string } | undefined {
  const m = /^\s*SIP\/2\.0\s+([1-6]\d\d)(?:\s+([^\r\n]*))?/.exec(body ?? "");
  return m ? { statusCode: Number(m[1]), reason: (m[2] ?? "").trim() } : undefined;
}

/** Why a transfer failed, in words, from the target's final status as the transferee saw it. */
export function transferErrorFor(statusCode: number, reason: string): string {
  const what =
    statusCode === 486 || statusCode === 600 ? "target busy" :
    statusCode === 480 || statusCode === 408 ? "no answer from the target" :
    statusCode === 404 || statusCode === 604 ? "target not found" :
    statusCode === 603 ? "the target declined" :
    statusCode === 487 ? "the call to the target was cancelled" :
    "the call to the target failed";
  return `${what} (${statusCode}${reason ? ` ${reason}` : ""})`;
}

export class TransferAttempt {
  private _state: TransferState = "none";
  private error: string | undefined;
  private progress: number | undefined;
  private endedAt: number | undefined;
  readonly startedAt = Date.now();

  constructor(
    readonly id: string,
    readonly callId: string,
    readonly kind: TransferKind,
    readonly target: string,
    readonly targetCallId?: string,
    /** Told after every change of state or progress. */
    private readonly onChange: (view: TransferView) => void = () => undefined,
  ) {}

  get state(): TransferState {
    return this._state;
  }

  get finished(): boolean {
    return this._state === "transferred" || this._state === "failed";
  }

  /** The REFER is on its way. */
  start(): void {
    if (this._state !== "none") return;
    this._state = "transferring";
    this.changed();
  }

  /** A NOTIFY's sipfrag status: 1xx progress, 2xx success, anything else failure. */
  report(statusCode: number, reason = ""): void {
    if (this.finished) return;
    if (statusCode >= 100 && statusCode < 200) {
      this.progress = statusCode;
      if (this._state === "none") this._state = "transferring";
      this.changed();
    } else if (statusCode >= 200 && statusCode < 300) {
      this.progress = statusCode;
      this.finish("transferred");
    } else {
      this.progress = statusCode;
      this.fail(transferErrorFor(statusCode, reason));
    }
  }

  /** It failed for a reason other than the target's status (REFER refused, timeout, …). */
  fail(error: string): void {
    if (this.finished) return;
    this.error = error;
    this.finish("failed");
  }

  view(): TransferView {
    const v: TransferView = { id: this.id, callId: this.callId, kind: this.kind, target: this.target, state: this._state, startedAt: this.startedAt };
    if (this.targetCallId) v.targetCallId = this.targetCallId;
    if (this.error) v.error = this.error;
    if (this.progress !== undefined) v.progress = this.progress;
    if (this.endedAt !== undefined) v.endedAt = this.endedAt;
    return v;
  }

  private finish(state: "transferred" | "failed"): void {
    this._state = state;
    this.endedAt = Date.now();
    this.changed();
  }

  private changed(): void {
    this.onChange(this.view());
  }
}

/**
 * A voicemail address from the account's `voicemail` setting: a SIP URI, or a pattern with
 * `{user}` (the target's user part) and `{domain}` (the account's domain), e.g.
 * `sip:vm-{user}@{domain}`.
 */
export function voicemailUri(pattern: string, user: string, domain: string): string {
  const clean = user.replace(/^sips?:/, "").replace(/@.*$/, "");
  if (!/^[A-Za-z0-9._~+-]+$/.test(clean)) throw new Error(`"${user}" is not a user name a voicemail address can be made from`);
  return pattern.replace(/\{user\}/g, clean).replace(/\{domain\}/g, domain);
}
