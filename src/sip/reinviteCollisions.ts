// Re-INVITE collisions with a session description handler that answers asynchronously.
//
// sip.js's core sees our own re-INVITE only once the offer exists, and ours is made in the call
// window (a round trip away). In that gap the core neither answers a crossing re-INVITE with 491
// (RFC 3261 14.2) — it hands the offer to a peer connection busy making ours, which fails with
// 488 and can end the call — nor stops us from making an offer while the far end's re-INVITE is
// still being answered (the offer is made, then sip.js refuses to send it and leaves the peer
// connection holding it). These two helpers close the gap from outside sip.js.
import type { Session } from "sip.js";
import type { IncomingInviteRequest } from "sip.js/lib/core";

/** The parts of sip.js 0.21's Session this module reads; none are in its public types. */
interface SessionInternals {
  pendingReinvite?: boolean;
  onInviteRequest(request: IncomingInviteRequest): void;
  dialog?: { reinviteUserAgentServer?: unknown; reinviteUserAgentClient?: unknown };
}

const guarded = new WeakSet<Session>();

/** Answer a re-INVITE that arrives while ours is being prepared with 491, as RFC 3261 14.2 asks. */
export function refuseCrossingReinvites(session: Session): void {
  if (guarded.has(session)) return;
  guarded.add(session);
  const internals = session as unknown as SessionInternals;
  const original = internals.onInviteRequest.bind(session);
  internals.onInviteRequest = (request) => {
    if (internals.pendingReinvite) {
      request.reject({ statusCode: 491 });
      return;
    }
    original(request);
  };
}

/** Why a re-INVITE cannot start on `session` now (one of either side is still open), or undefined. */
export function reinviteBlocked(session: Session): string | undefined {
  const internals = session as unknown as SessionInternals;
  if (internals.pendingReinvite || internals.dialog?.reinviteUserAgentClient) return "our previous re-INVITE is still open";
  if (internals.dialog?.reinviteUserAgentServer) return "the far end's re-INVITE is still open";
  return undefined;
}

/**
 * Why sip.js's `Session.invite()` refused to send a re-INVITE, from its error: "offer-made" when
 * the dialog had a transaction open after our offer was made (the offer must be rolled back),
 * "not-started" when our own previous re-INVITE was still pending (nothing was made), else
 * undefined (a real failure). Either refusal means "try again shortly".
 */
export function unsentReinvite(err: unknown): "offer-made" | "not-started" | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (/ongoing re-INVITE/i.test(message)) return "offer-made";
  if (/Reinvite in progress/i.test(message)) return "not-started";
  return undefined;
}
