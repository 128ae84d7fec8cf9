// Which tone the call window plays: pure, so it is unit-tested in Node.
import type { CallView } from "../../src/protocol/model";

export type Tone = "ring" | "ringback" | undefined;

/**
 * The incoming ring first; else the ringback while one of our outgoing calls rings — unless
 * that call's early media (a 183 with SDP: the network's own ringback or an announcement) is
 * already playing, which the local ringback would drown.
 */
export function chooseTone(calls: readonly CallView[], incomingRinging: boolean, earlyMediaPlaying: (callId: string) => boolean): Tone {
  if (incomingRinging) return "ring";
  const ringback = calls.some((c) => c.direction === "outgoing" && c.state === "ringing" && !earlyMediaPlaying(c.id));
  return ringback ? "ringback" : undefined;
}
