// A local conference: the calls it joins stay separate SIP calls with their own peer
// connections, and each party is sent our microphone mixed with every other party's audio
// (Web Audio), so everyone hears everyone; we hear all of them through their own playback.
// Muting a leg silences our microphone in what that leg's party hears (the clone is disabled).
import type { MediaSession } from "./mediaSession";

interface Leg {
  session: MediaSession;
  /** Where this leg's mix is built; its track replaces the microphone in the leg's sender. */
  out: MediaStreamAudioDestinationNode;
  unwatch: () => void;
}

export class ConferenceMixer {
  private ctx: AudioContext | undefined;
  private legs: Leg[] = [];
  /** The graph's source nodes, rebuilt with it. */
  private sources: AudioNode[] = [];

  /** The sessions mixed together now (fewer than two: no conference). */
  get members(): string[] {
    return this.legs.map((l) => l.session.id);
  }

  /** Mix exactly these sessions (each must already carry audio); the others send their microphone again. */
  async set(sessions: MediaSession[]): Promise<void> {
    const joining = sessions.length >= 2 ? sessions : [];
    for (const leg of this.legs.filter((l) => !joining.includes(l.session))) {
      leg.unwatch();
      await leg.session.sendInstead(undefined).catch(() => undefined);
    }
    const kept = new Map(this.legs.map((l) => [l.session, l]));
    if (joining.length === 0) {
      this.legs = [];
      this.rewire();
      void this.ctx?.close().catch(() => undefined);
      this.ctx = undefined;
      return;
    }
    const ctx = (this.ctx ??= new AudioContext());
    void ctx.resume().catch(() => undefined);
    this.legs = joining.map(
      (session) => kept.get(session) ?? { session, out: ctx.createMediaStreamDestination(), unwatch: session.watchLocalAudio(() => this.rewire()) },
    );
    this.rewire();
    await Promise.all(this.legs.map((l) => l.session.sendInstead(l.out.stream.getAudioTracks()[0])));
  }

  /** A session ended: the others go on mixing (or, with one left, it sends its microphone again). */
  async remove(sessionId: string): Promise<void> {
    if (!this.members.includes(sessionId)) return;
    await this.set(this.legs.map((l) => l.session).filter((s) => s.id !== sessionId));
  }

  /** Each leg hears our microphone and every other leg's far end: the graph from scratch. */
  private rewire(): void {
    for (const node of this.sources) node.disconnect();
    this.sources = [];
    const ctx = this.ctx;
    if (!ctx || this.legs.length === 0) return;
    const remotes = this.legs.map((l) => this.source(ctx, l.session.remoteAudio.getAudioTracks()[0]));
    this.legs.forEach((leg, i) => {
      this.source(ctx, leg.session.localAudioTrack)?.connect(leg.out);
      remotes.forEach((remote, j) => {
        if (j !== i) remote?.connect(leg.out);
      });
    });
  }

  private source(ctx: AudioContext, track: MediaStreamTrack | undefined): AudioNode | undefined {
    if (!track) return undefined;
    const node = ctx.createMediaStreamSource(new MediaStream([track]));
    this.sources.push(node);
    return node;
  }
}
