// What we receive in a video room: one Janus subscriber handle and one peer connection for every
// publisher we subscribe to (Janus 1.x multistream), an m-line per stream. Adding or dropping a
// publisher is a "subscribe" / "unsubscribe" request; Janus answers with a new offer — or, when
// an offer of its own is still unanswered, says "updating" and sends a cumulative offer later,
// unasked, as it does when a publisher leaves. So every offer, whenever it comes, goes the same
// way: to the call window with the map of what each m-line carries, the window's answer back
// with "start". No vscode import.
import type { ReceivedStream } from "../protocol/callWindow";
import type { JanusConnection, JanusEvent } from "./janusConnection";
import { roomError } from "./roomModel";

const PLUGIN = "janus.plugin.videoroom";

/** Answers Janus's offer in the call window: the offer and its stream map in, our answer out. */
export type AnswerOffer = (offerSdp: string, streams: ReceivedStream[]) => Promise<string>;

/** How long an added or dropped publisher may wait for the offer that carries the change. */
const CHANGE_TIMEOUT_MS = 15000;

export class RoomReceiver {
  /** What the last answered offer carries (active streams only). */
  private streams: ReceivedStream[] = [];
  /** Offers are answered one after another, in the order Janus sent them. */
  private answering: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly janus: JanusConnection,
    private readonly handle: number,
    readonly room: number,
    private readonly answer: AnswerOffer,
    private readonly onChange: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Subscribe to `feeds` (at least one) on a new handle. Resolves once their media is
   * negotiated; a feed that vanished meanwhile is left out rather than failing the others.
   */
  static async open(
    janus: JanusConnection,
    room: number,
    feeds: number[],
    options: { privateId: number; pin?: string; answer: AnswerOffer; onChange: () => void; onError: (err: unknown) => void },
  ): Promise<RoomReceiver> {
    let receiver: RoomReceiver | undefined;
    const handle = await janus.attach(PLUGIN, (event) => receiver?.unasked(event));
    receiver = new RoomReceiver(janus, handle, room, options.answer, options.onChange, options.onError);
    try {
      const join = (list: number[]) =>
        janus.message(handle, { request: "join", ptype: "subscriber", room, private_id: options.privateId, streams: list.map((feed) => ({ feed })), ...(options.pin ? { pin: options.pin } : {}) });
      let reply = await join(feeds).catch((err) => (feeds.length > 1 ? undefined : Promise.reject(err)));
      let rest: number[] = [];
      if (!reply) {
        // One of them left between the list and the join: join with the first that is there, add the rest.
        for (const [i, feed] of feeds.entries()) {
          reply = await join([feed]).catch(() => undefined);
          if (reply) {
            rest = feeds.slice(i + 1);
            break;
          }
        }
        if (!reply) throw new Error("none of the room's publishers could be received");
      }
      if (!reply.jsep || reply.jsep.type !== "offer") throw new Error("the rooms server sent no offer for the feeds");
      await receiver.take(reply.data, reply.jsep.sdp);
      if (rest.length) await receiver.add(rest);
      return receiver;
    } catch (err) {
      await receiver.close();
      throw roomError(err, room);
    }
  }

  /** The publishers whose media this receives now. */
  feeds(): Set<number> {
    return new Set(this.streams.map((s) => s.feed));
  }

  has(feed: number): boolean {
    return this.streams.some((s) => s.feed === feed);
  }

  /** Receive these publishers too; resolves once their media is negotiated (or they are gone). */
  async add(feeds: number[]): Promise<void> {
    const missing = feeds.filter((f) => !this.has(f));
    if (!missing.length) return;
    await this.change("subscribe", missing).catch(async (err) => {
      if (missing.length === 1) throw err;
      // One of them left meanwhile: the others one by one.
      for (const feed of missing) await this.change("subscribe", [feed]).catch(() => undefined);
    });
    await this.until(() => missing.every((f) => this.has(f)), "the new feeds").catch((err) => {
      if (missing.some((f) => this.has(f))) return; // some came; the others were gone
      throw err;
    });
  }

  /**
   * A publisher left the room: Janus drops its streams with an offer of its own, which may come
   * later (after one still unanswered); meanwhile it is not received any more.
   */
  forget(feed: number): void {
    if (!this.has(feed)) return;
    this.streams = this.streams.filter((s) => s.feed !== feed);
    for (const w of [...this.waiters]) w();
    this.onChange();
  }

  /** Stop receiving these publishers; resolves once an answered offer no longer carries them. */
  async remove(feeds: number[]): Promise<void> {
    const present = feeds.filter((f) => this.has(f));
    if (!present.length) return;
    await this.change("unsubscribe", present).catch(() => undefined); // gone already: Janus dropped them itself
    await this.until(() => present.every((f) => !this.has(f)), "dropping the feeds");
  }

  /**
   * The simulcast layer Janus forwards us of a publisher's video: 2 the full picture, 1 half its
   * size, 0 a quarter (a publisher that sends one layer is not affected).
   */
  async setSubstream(feed: number, substream: 0 | 1 | 2): Promise<void> {
    const videos = this.streams.filter((s) => s.feed === feed && s.kind === "video");
    if (!videos.length) return;
    try {
      await this.janus.message(this.handle, { request: "configure", streams: videos.map((s) => ({ mid: s.mid, substream })) });
    } catch (err) {
      throw roomError(err, this.room);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) w();
    await this.janus.message(this.handle, { request: "leave" }).catch(() => undefined);
    await this.janus.detach(this.handle);
  }

  private async change(request: "subscribe" | "unsubscribe", feeds: number[]): Promise<void> {
    let reply;
    try {
      reply = await this.janus.message(this.handle, { request, streams: feeds.map((feed) => ({ feed })) });
    } catch (err) {
      throw roomError(err, this.room);
    }
    // "updated" with an offer: answer it now; "updating": the offer comes later, unasked.
    if (reply.jsep?.type === "offer") await this.take(reply.data, reply.jsep.sdp);
  }

  /** Janus's own offers: a publisher left, or a change it had postponed. */
  private unasked(event: JanusEvent): void {
    const data = event.plugindata?.data;
    if (event.jsep?.type !== "offer" || !data) return;
    this.take(data, event.jsep.sdp).catch((err) => this.onError(err));
  }

  /** Answer an offer (after the ones before it); the stream map is what it carries. */
  private take(data: Record<string, unknown>, offerSdp: string): Promise<void> {
    const streams = activeStreams(data.streams);
    const turn = this.answering.then(async () => {
      if (this.closed) return;
      const answerSdp = await this.answer(offerSdp, streams);
      if (this.closed) return;
      await this.janus.message(this.handle, { request: "start" }, { type: "answer", sdp: answerSdp }).catch((err) => Promise.reject(roomError(err, this.room)));
      this.streams = streams;
      for (const w of [...this.waiters]) w();
      this.onChange();
    });
    this.answering = turn.catch(() => undefined);
    return turn;
  }

  private until(done: () => boolean, what: string): Promise<void> {
    if (done() || this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done() && !this.closed) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the rooms server sent no offer for ${what} within ${CHANGE_TIMEOUT_MS / 1000} s`));
      }, CHANGE_TIMEOUT_MS);
      this.waiters.add(check);
    });
  }
}

/** The active audio and video streams of Janus's stream list, with the publisher each carries. */
export function activeStreams(list: unknown): ReceivedStream[] {
  if (!Array.isArray(list)) return [];
  const out: ReceivedStream[] = [];
  for (const s of list as Array<Record<string, unknown>>) {
    if (!s || s.active === false || typeof s.mid !== "string" || typeof s.feed_id !== "number") continue;
    if (s.type === "audio" || s.type === "video") out.push({ mid: s.mid, kind: s.type, feed: s.feed_id });
  }
  return out;
}
