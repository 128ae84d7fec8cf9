// The one place that decides how a call's state may change and how a finished call is described.
// SIP events arrive out of order (a late 180 after the 200, a BYE racing a re-INVITE), so every
// caller asks here instead of assigning states directly: a call never goes back to ringing after
// it was answered and never comes back once cleared.
import type { CallDirection, CallState, ClearReason, HistoryOutcome } from "../protocol/model";

/** Progress order; a state may only move to one further right. */
const ORDER: readonly CallState[] = ["connecting", "trying", "ringing", "incall", "cleared"];

/**
 * True when `to` is further along than `from`. Skipping forward is fine (a server may answer
 * without a provisional response, and any state may clear); staying put, going back, leaving
 * `cleared` or naming an unknown state is not.
 */
export function canAdvance(from: CallState, to: CallState): boolean {
  const fromIndex = ORDER.indexOf(from);
  const toIndex = ORDER.indexOf(to);
  return fromIndex !== -1 && toIndex !== -1 && toIndex > fromIndex;
}

export interface StateChange {
  readonly state: CallState;
  /** Epoch ms. */
  readonly at: number;
}

export class CallStateMachine {
  private current: CallState;
  private readonly changes: StateChange[];

  /** Outgoing calls start at `connecting`; incoming ones are already ringing when we learn of them. */
  constructor(direction: CallDirection, startedAt: number = Date.now()) {
    this.current = direction === "incoming" ? "ringing" : "connecting";
    this.changes = [{ state: this.current, at: startedAt }];
  }

  get state(): CallState {
    return this.current;
  }

  /** Every state the call has been in, oldest first, starting with the initial one. */
  get history(): ReadonlyArray<StateChange> {
    return this.changes.slice();
  }

  /** Moves to `to` if allowed; returns false (and changes nothing) otherwise. */
  advance(to: CallState, at: number = Date.now()): boolean {
    if (!canAdvance(this.current, to)) return false;
    this.current = to;
    this.changes.push({ state: to, at });
    return true;
  }
}

/** Why a call ended, from the final SIP response status that ended it. */
export function clearReasonForStatus(status: number): ClearReason {
  switch (status) {
    case 486:
    case 600:
      return "busy";
    case 603:
      return "declined";
    case 404:
    case 604:
    case 484:
      return "not-found";
    case 480:
    case 502:
    case 503:
    case 504:
      return "unavailable";
    case 408:
      return "no-answer";
    case 487:
      return "cancelled";
    default:
      // Any other 4xx-6xx. Callers only ask about final failure responses, so a non-failure
      // status here is a bug upstream; "failed" is the least misleading thing to show for it.
      return "failed";
  }
}

/** How call history summarises a finished call. */
export function historyOutcome(direction: CallDirection, answered: boolean, reason: ClearReason | undefined): HistoryOutcome {
  if (answered) return "answered";
  if (reason === "declined") return "declined";
  if (reason === "busy") return "busy";
  if (direction === "incoming" && (reason === "cancelled" || reason === "no-answer")) return "missed";
  if (direction === "outgoing" && reason === "cancelled") return "cancelled";
  return "failed";
}
