// One subscriber handle for everything we receive in a video room (Janus multistream), with a
// stand-in Janus: the stream map that goes with each offer, offers answered in order, a change
// Janus postpones ("updating") completed by its later offer, a publisher who left dropped by
// Janus's own offer, and a join that names a publisher who is already gone.
import assert from "node:assert/strict";
import type { ReceivedStream } from "../../src/protocol/callWindow";
import type { JanusConnection, JanusEvent } from "../../src/rooms/janusConnection";
import { activeStreams, RoomReceiver } from "../../src/rooms/roomReceiver";

type Reply = { data: Record<string, unknown>; jsep?: { type: string; sdp: string } };

/** Janus's stream list for these publishers: an audio and a video m-line each, in order. */
function streamsOf(feeds: number[], inactive: number[] = []): Array<Record<string, unknown>> {
  let mid = 0;
  const out: Array<Record<string, unknown>> = [];
  for (const feed of [...feeds, ...inactive]) {
    for (const type of ["audio", "video"]) {
      const active = feeds.includes(feed);
      out.push({ type, mid: String(mid++), active, ...(active ? { feed_id: feed, feed_display: `P${feed}` } : {}) });
    }
  }
  return out;
}

function rig(reply: (body: Record<string, unknown>, subscribed: number[]) => Reply | Error) {
  const requests: Array<Record<string, unknown>> = [];
  const answered: Array<{ offer: string; feeds: number[] }> = [];
  let unasked: (e: JanusEvent) => void = () => undefined;
  let subscribed: number[] = [];
  const janus = {
    attach: async (_plugin: string, onEvent: (e: JanusEvent) => void) => {
      unasked = onEvent;
      return 42;
    },
    detach: async () => undefined,
    message: async (_h: number, body: Record<string, unknown>) => {
      requests.push(body);
      const r = reply(body, subscribed);
      if (r instanceof Error) throw r;
      return r;
    },
  } as unknown as JanusConnection;
  const answer = async (offer: string, streams: ReceivedStream[]) => {
    answered.push({ offer, feeds: [...new Set(streams.map((s) => s.feed))] });
    await new Promise((r) => setTimeout(r, 5)); // the call window takes a moment
    return `answer to ${offer}`;
  };
  const offer = (feeds: number[], sdp: string, inactive: number[] = []): Reply => {
    subscribed = feeds;
    return { data: { videoroom: "updated", streams: streamsOf(feeds, inactive) }, jsep: { type: "offer", sdp } };
  };
  return {
    janus,
    requests,
    answered,
    offer,
    /** Janus sends an offer of its own. */
    push: (feeds: number[], sdp: string, inactive: number[] = []) => {
      subscribed = feeds;
      unasked({ janus: "event", sender: 42, plugindata: { plugin: "janus.plugin.videoroom", data: { videoroom: "updated", streams: streamsOf(feeds, inactive) } }, jsep: { type: "offer", sdp } } as JanusEvent);
    },
    open: (feeds: number[]) => RoomReceiver.open(janus, 1234, feeds, { privateId: 9, answer, onChange: () => undefined, onError: (err) => assert.fail(String(err)) }),
  };
}

describe("RoomReceiver (one peer connection for every feed)", () => {
  it("joins with every publisher in one request and answers Janus's offer with the stream map", async () => {
    const r = rig((body) => (body.request === "join" ? { ...r.offer([1, 2], "offer-1"), data: { videoroom: "attached", streams: streamsOf([1, 2]) } } : { data: { started: "ok" } }));
    const receiver = await r.open([1, 2]);
    assert.deepEqual(r.requests[0].streams, [{ feed: 1 }, { feed: 2 }]);
    assert.deepEqual(r.answered, [{ offer: "offer-1", feeds: [1, 2] }]);
    assert.deepEqual(r.requests[1], { request: "start" });
    assert.deepEqual([...receiver.feeds()].sort(), [1, 2]);
  });

  it("adds a publisher: 'subscribe', the new offer answered; a postponed change ('updating') completes with Janus's later offer", async () => {
    const r = rig((body, subscribed) => {
      if (body.request === "join") return r.offer([1], "offer-1");
      if (body.request === "subscribe" && (body.streams as Array<{ feed: number }>)[0].feed === 2) return r.offer([...subscribed, 2], "offer-2");
      if (body.request === "subscribe") return { data: { videoroom: "updating" } }; // an offer is still unanswered: later
      return { data: {} };
    });
    const receiver = await r.open([1]);
    await receiver.add([2]);
    assert.ok(receiver.has(2));
    const adding3 = receiver.add([3]);
    setTimeout(() => r.push([1, 2, 3], "offer-3"), 20);
    await adding3;
    assert.deepEqual(r.answered.map((a) => a.offer), ["offer-1", "offer-2", "offer-3"], "every offer answered, in order");
    assert.deepEqual([...receiver.feeds()].sort(), [1, 2, 3]);
  });

  it("a publisher who leaves is dropped by Janus's own offer (its m-lines inactive); remove() of a feed Janus dropped resolves", async () => {
    const r = rig((body) => (body.request === "join" ? r.offer([1, 2], "offer-1") : { data: { videoroom: "updated" } }));
    const receiver = await r.open([1, 2]);
    r.push([1], "offer-2", [2]);
    await receiver.remove([2]);
    assert.deepEqual([...receiver.feeds()], [1]);
    assert.deepEqual(r.answered.at(-1), { offer: "offer-2", feeds: [1] }, "the inactive m-lines carry nobody");
  });

  it("a publisher who left is not received from then on, before Janus's offer without them (forget)", async () => {
    const r = rig((body) => (body.request === "join" ? r.offer([1, 2], "offer-1") : { data: {} }));
    const receiver = await r.open([1, 2]);
    receiver.forget(2);
    assert.deepEqual([...receiver.feeds()], [1]);
    await receiver.remove([2]); // nothing left to ask Janus
    assert.equal(r.requests.filter((q) => q.request === "unsubscribe").length, 0);
  });

  it("a join naming a publisher who already left: joins with the ones there", async () => {
    const r = rig((body) => {
      const feeds = ((body.streams as Array<{ feed: number }>) ?? []).map((s) => s.feed);
      if (feeds.includes(2)) return new Error("No such feed (2)");
      if (body.request === "join") return r.offer(feeds, "offer-1");
      if (body.request === "subscribe") return r.offer([1, 3], "offer-2");
      return { data: {} };
    });
    const receiver = await r.open([2, 1, 3]);
    assert.deepEqual([...receiver.feeds()].sort(), [1, 3]);
  });

  it("activeStreams keeps the active audio and video m-lines with their publisher, nothing else", () => {
    assert.deepEqual(
      activeStreams([
        { type: "audio", mid: "0", active: true, feed_id: 7 },
        { type: "video", mid: "1", active: false },
        { type: "data", mid: "2", active: true },
        { type: "video", mid: "3", active: true, feed_id: "x" },
        null,
      ]),
      [{ mid: "0", kind: "audio", feed: 7 }],
    );
    assert.deepEqual(activeStreams("junk"), []);
  });
});
