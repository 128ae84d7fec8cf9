// Ending a dialog this UserAgent never had: a call of a host that was killed, known only from
// the state it left on disk (see calls/liveDialogs.ts). The BYE is built the way sip.js builds
// one inside a dialog (Dialog.createOutgoingRequestMessage, RFC 3261 12.2.1.1): Request-URI =
// the remote target, Route = the route set, From/To = local/remote URI with their tags, the
// dialog's Call-ID. It leaves through this UserAgent's own connection; a digest challenge is
// answered by sip.js's client transaction as for any request.
import { UserAgent, type Session } from "sip.js";
import type { Dialog } from "sip.js/lib/core";
import type { LiveDialog } from "../calls/liveDialogs";

/**
 * How far above the CSeq on disk the BYE's goes. The file is written when the call is
 * established; re-INVITEs and INFOs (DTMF) after that raise the dialog's CSeq without rewriting
 * it, and the far end refuses a request whose CSeq is not above the last it saw (RFC 3261
 * 12.2.2). Any higher number is valid, so leave room for far more requests than a call sends.
 */
export const CSEQ_MARGIN = 100_000;
/** RFC 3261 8.1.1.5: a CSeq stays below 2**31. */
const MAX_CSEQ = 2 ** 31 - 1;

/** The dialog of an established session, as LiveDialogStore keeps it; undefined without one. */
export function liveDialogOf(session: Session, ids: { callId: string; accountId: string }, now = Date.now()): LiveDialog | undefined {
  // sip.js types it as its core Session; the object is a SessionDialog, a Dialog with all the state.
  const d = session.dialog as unknown as Dialog | undefined;
  if (!d) return undefined;
  return {
    callId: ids.callId,
    accountId: ids.accountId,
    sipCallId: d.callId,
    localTag: d.localTag,
    remoteTag: d.remoteTag,
    localUri: d.localURI.toString(),
    remoteUri: d.remoteURI.toString(),
    remoteTarget: d.remoteTarget.toString(),
    routeSet: [...d.routeSet],
    localCSeq: d.localSequenceNumber ?? 0,
    establishedAt: now,
  };
}

/** The CSeq for a BYE ending `dialog` from its saved state. */
export function byeCSeq(dialog: Pick<LiveDialog, "localCSeq">): number {
  return Math.min(dialog.localCSeq + CSEQ_MARGIN, MAX_CSEQ);
}

/**
 * Sends a BYE for `dialog` through `ua`; resolves with the final status (sip.js reports a
 * timeout as 408 and a transport failure as 503), or undefined when none came within
 * `timeoutMs`. Rejects when the request cannot be built (a URI that doesn't parse).
 */
export function sendDialogBye(ua: UserAgent, dialog: LiveDialog, timeoutMs = 10_000): Promise<number | undefined> {
  const core = ua.userAgentCore;
  const uri = (text: string, what: string) => {
    const parsed = UserAgent.makeURI(text);
    if (!parsed) throw new Error(`the ${what} "${text}" is not a SIP URI`);
    return parsed;
  };
  const message = core.makeOutgoingRequestMessage("BYE", uri(dialog.remoteTarget, "remote target"), uri(dialog.localUri, "local URI"), uri(dialog.remoteUri, "remote URI"), {
    callId: dialog.sipCallId,
    cseq: byeCSeq(dialog),
    fromTag: dialog.localTag,
    toTag: dialog.remoteTag,
    routeSet: dialog.routeSet,
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    const done = (status: number | undefined) => {
      clearTimeout(timer);
      resolve(status);
    };
    core.request(message, {
      onAccept: (r) => done(r.message.statusCode),
      onReject: (r) => done(r.message.statusCode),
      onRedirect: (r) => done(r.message.statusCode),
    });
  });
}
