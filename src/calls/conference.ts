// A local three-way (or larger) conference: our calls in progress stay separate SIP calls, and
// the call window mixes their audio (each party hears us and the others; see
// webview/callwindow/conference.ts). Merge joins every call in progress; split keeps one call
// talking and holds the others; a leg that hangs up leaves the rest mixed (with one left, it is
// an ordinary call again). Hold and resume act on the whole conference.
import type { Call } from "./call";

export interface ConferenceHost {
  /** Our calls in progress (answered, not cleared), held or not. */
  inProgress(): Call[];
  /** Hold or resume one leg, without holding our other calls (the conference does that). */
  setHeld(call: Call, held: boolean): Promise<void>;
  /** Tell the call window which sessions to mix (fewer than two: none). */
  mix(sessionIds: string[]): void;
  changed(): void;
}

export class LocalConference {
  private legs: Call[] = [];

  constructor(private readonly host: ConferenceHost) {}

  /** The calls mixed together now (empty when there is no conference). */
  get members(): readonly Call[] {
    return this.legs;
  }

  has(call: Call): boolean {
    return this.legs.includes(call);
  }

  /** Join these calls (default: every call in progress) into one conference; held ones are resumed first. */
  async merge(chosen?: Call[]): Promise<void> {
    const inProgress = this.host.inProgress();
    // Adding a call to the conference keeps those already in it.
    const joined = chosen?.some((c) => this.has(c)) ? this.legs : [];
    const calls = [...new Set([...joined, ...(chosen ?? inProgress)])];
    if (calls.some((c) => !inProgress.includes(c))) throw new Error("only calls in progress can be merged");
    if (calls.length < 2) throw new Error("a conference needs two calls in progress");
    for (const call of calls) if (call.held) await this.host.setHeld(call, false);
    this.setLegs(calls.filter((c) => !c.cleared));
  }

  /** End the conference: `keep` goes on talking, the other legs are put on hold. */
  async split(keep: Call): Promise<void> {
    if (!this.has(keep)) throw new Error("this call is not in a conference");
    const others = this.legs.filter((c) => c !== keep);
    this.setLegs([]);
    for (const call of others) await this.host.setHeld(call, true);
  }

  /** A leg ended: the others go on (one left is an ordinary call again). */
  left(call: Call): void {
    if (this.has(call)) this.setLegs(this.legs.filter((c) => c !== call));
  }

  private setLegs(calls: Call[]): void {
    for (const call of this.legs) call.inConference = false;
    this.legs = calls.length >= 2 ? calls : [];
    for (const call of this.legs) call.inConference = true;
    this.host.mix(this.legs.map((c) => c.id));
    this.host.changed();
  }
}
