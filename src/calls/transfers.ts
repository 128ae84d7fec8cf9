// Transfers on SIP, from the transferor's side: REFER with Refer-To, progress from the
// transferee's NOTIFYs (message/sipfrag), the transfer attempt's state (src/calls/transfer.ts).
//   blind      Refer-To: <target>
//   voicemail  Refer-To: <the target's voicemail address> (the account's `voicemail` pattern)
//   attended   Refer-To: <the consultation party's address of record?Replaces=…> — its AOR,
//              not its Contact: a WebRTC party's Contact (….invalid;transport=ws) is
//              unreachable for a regular phone; the registrar routes the AOR, and Replaces
//              makes the target swap its call with us for the transferee's.
// The call is put on hold while it moves. Success (NOTIFY 2xx) ends our leg; any failure —
// REFER refused, the target's failure, no NOTIFY in time, no answer within the limit — takes
// the call off hold again, so the user is back with the transferee.
import { randomUUID } from "node:crypto";
import type { Session } from "sip.js";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import type { Call } from "./call";
import { parseSipfrag, TransferAttempt } from "./transfer";

/** What to transfer to: a dial string, another of our calls (attended), or someone's voicemail. */
export type TransferTarget = string | { callId: string } | { voicemailOf: string };

export interface TransferOptions {
  /**
   * Like calling SDKs' disableForwardingAndUnanswered: when the target has not answered this
   * long after it started ringing, the attempt fails and our call resumes. SIP cannot make the
   * transferee give up its call to the target (RFC 3515 has no way to cancel a REFER's call);
   * the transferee only learns of it if it is one of ours.
   */
  noAnswerTimeoutMs?: number;
}

export interface TransferHost {
  log: Logger;
  call(id: string): Call | undefined;
  /** Hold or resume this call only (never the user's other calls). */
  setHeld(callId: string, held: boolean): Promise<void>;
  /** End our leg after a successful transfer (BYE; the call clears as "transferred"). */
  endTransferred(callId: string): Promise<void>;
  /** A dial string as a SIP URI in the call's account's domain. */
  resolveTarget(call: Call, input: string): string;
  /** The voicemail address of `user` from the call's account's setting. */
  voicemailOf(call: Call, user: string): string;
  changed(): void;
}

/** How long the transferee may take to send its first NOTIFY, and then its final one. */
const FIRST_NOTIFY_MS = 10000;
const FINAL_NOTIFY_MS = 180000;
/** Resuming after a failed transfer: tries, and the wait before the next one (× the try). */
const RESUME_TRIES = 3;
const RESUME_RETRY_MS = 1500;

export class Transfers {
  constructor(
    private readonly host: TransferHost,
    private readonly timing: { firstNotifyMs?: number; finalNotifyMs?: number } = {},
  ) {}

  /** Start a transfer of `call`; resolves with the attempt once the REFER has gone out. */
  async start(call: Call, target: TransferTarget, options: TransferOptions = {}): Promise<TransferAttempt> {
    const session = call.session;
    if (call.state !== "incall" || !session?.dialog) throw new Error("only a call in progress can be transferred");
    if (call.transfer && !call.transfer.finished) throw new Error("this call is already being transferred");
    const { kind, referTo, label, consultation } = this.describe(call, target);

    const timers: { first?: ReturnType<typeof setTimeout>; final?: ReturnType<typeof setTimeout>; noAnswer?: ReturnType<typeof setTimeout> } = {};
    const wasHeld = call.held;
    const attempt = new TransferAttempt(randomUUID(), call.id, kind, label, consultation?.id, (v) => {
      this.host.changed();
      if (v.state === "transferred" || v.state === "failed") void this.settle(call, attempt, wasHeld, timers);
    });
    call.transfer = attempt;
    attempt.start();
    this.host.log.info(`call ${call.id}: ${kind} transfer to ${label}`);
    if (!wasHeld) {
      // The transferee waits on hold while its call moves, not listening to us.
      await this.host.setHeld(call.id, true).catch((err) => this.host.log.warn(`call ${call.id}: hold before transfer failed (${messageOf(err)})`));
    }
    if (attempt.finished) return attempt;

    timers.first = setTimeout(() => attempt.fail("the other party did not report on the transfer in time (no NOTIFY)"), this.timing.firstNotifyMs ?? FIRST_NOTIFY_MS);
    const onNotify = (notification: { request: { body?: string }; accept(): void }) => {
      notification.accept();
      const frag = parseSipfrag(notification.request.body);
      if (!frag) return;
      clearTimeout(timers.first);
      clearTimeout(timers.final);
      timers.final = setTimeout(() => attempt.fail("the transfer did not complete in time (no final NOTIFY)"), this.timing.finalNotifyMs ?? FINAL_NOTIFY_MS);
      if ((frag.statusCode === 180 || frag.statusCode === 183) && options.noAnswerTimeoutMs && !timers.noAnswer) {
        const seconds = Math.round(options.noAnswerTimeoutMs / 1000);
        timers.noAnswer = setTimeout(() => attempt.fail(`no answer from the target within ${seconds} s`), options.noAnswerTimeoutMs);
      }
      attempt.report(frag.statusCode, frag.reason);
    };
    try {
      await referWith(session, referTo, onNotify, (code, phrase) => attempt.fail(`the other party refused the transfer (REFER ${code}${phrase ? ` ${phrase}` : ""})`));
    } catch (err) {
      attempt.fail(`the transfer request could not be sent: ${messageOf(err)}`);
    }
    return attempt;
  }

  /** What the REFER says, and how the attempt names its target. */
  private describe(call: Call, target: TransferTarget): { kind: "blind" | "attended" | "voicemail"; referTo: string; label: string; consultation?: Call } {
    if (typeof target === "string") {
      const uri = this.host.resolveTarget(call, target);
      return { kind: "blind", referTo: `<${uri}>`, label: uri };
    }
    if ("voicemailOf" in target) {
      const uri = this.host.voicemailOf(call, target.voicemailOf);
      return { kind: "voicemail", referTo: `<${uri}>`, label: uri };
    }
    const consultation = this.host.call(target.callId);
    const dialog = consultation?.session?.dialog;
    if (!consultation || consultation === call || consultation.state !== "incall" || !dialog) {
      throw new Error("the call to transfer to must be another call in progress");
    }
    const replaces = encodeURIComponent(`${dialog.callId};to-tag=${dialog.remoteTag};from-tag=${dialog.localTag}`);
    const aor = consultation.remote.uri;
    return { kind: "attended", referTo: `<${aor}?Replaces=${replaces}>`, label: aor, consultation };
  }

  private async settle(call: Call, attempt: TransferAttempt, wasHeld: boolean, timers: Record<string, ReturnType<typeof setTimeout> | undefined>): Promise<void> {
    for (const t of Object.values(timers)) clearTimeout(t);
    const view = attempt.view();
    if (view.state === "transferred") {
      this.host.log.info(`call ${call.id}: transferred to ${view.target}`);
      if (!call.cleared) await this.host.endTransferred(call.id).catch(() => undefined);
      return;
    }
    this.host.log.warn(`call ${call.id}: transfer to ${view.target} failed: ${view.error}`);
    // Back to the transferee: the call goes on as it was. The transferee may be busy with its
    // own re-INVITE or its call to the target right then (491, 500): try again a little later.
    for (let attempt = 1; !wasHeld && !call.cleared && call.held; attempt++) {
      try {
        await this.host.setHeld(call.id, false);
      } catch (err) {
        this.host.log.warn(`call ${call.id}: resuming after the failed transfer (try ${attempt}): ${messageOf(err)}`);
        if (attempt >= RESUME_TRIES) break;
        await new Promise((r) => setTimeout(r, RESUME_RETRY_MS * attempt));
      }
    }
  }
}

/**
 * An in-dialog REFER with our own Refer-To (sip.js's `refer()` writes an attended Refer-To
 * from the Contact, and a bare URI without angle brackets). Resolves once it is accepted (202);
 * `onRefused` hears a final failure response.
 */
function referWith(
  session: Session,
  referTo: string,
  onNotify: (notification: { request: { body?: string }; accept(): void }) => void,
  onRefused: (code: number, phrase: string) => void,
): Promise<void> {
  const internal = session as unknown as {
    _refer(onNotify: unknown, delegate: unknown, options: { extraHeaders: string[] }): Promise<unknown>;
    _contact: string;
    userAgent: { configuration: { uri: { toString(): string } } };
  };
  return new Promise((resolve, reject) => {
    internal
      ._refer(
        onNotify,
        {
          onAccept: () => resolve(),
          onReject: (response: { message: { statusCode?: number; reasonPhrase?: string } }) => {
            onRefused(response.message.statusCode ?? 0, response.message.reasonPhrase ?? "");
            resolve();
          },
        },
        {
          extraHeaders: [
            `Referred-By: <${internal.userAgent.configuration.uri.toString()}>`,
            `Contact: ${internal._contact}`,
            `Refer-To: ${referTo}`,
          ],
        },
      )
      .catch(reject);
  });
}
