// Which tone the call window plays: pure, so it is unit-tested in Node.
import type { CallView } from "../../src/protocol/model";

/** `waiting`: a call rings while we are in another one (call waiting: soft, not the full ring). */
export type Tone = "ring" | "waiting" | "ringback";

/**
 * The incoming ring first; else the ringback while one of our outgoing calls rings — unless
 * that call's early media (a 183 with SDP: the network's own ringback or an announcement) is
 * already playing, which the local ringback would drown.
 */
export function chooseTone(calls: readonly CallView[], incomingRinging: boolean, earlyMediaPlaying: (callId: string) => boolean): Tone | undefined {
  if (incomingRinging) return calls.some((c) => c.state === "incall" && !c.held) ? "waiting" : "ring";
  const ringback = calls.some((c) => c.direction === "outgoing" && c.state === "ringing" && !earlyMediaPlaying(c.id));
  return ringback ? "ringback" : undefined;
}
