// Video-room marks (streamMarks.ts): what our stream descriptions say and how the others' read;
// a room member following Janus's events (publishers re-announced with new descriptions,
// talking events) with a stand-in Janus connection; and the room action table's checks.
import assert from "node:assert/strict";
import type { JanusConnection, JanusEvent } from "../../src/rooms/janusConnection";
import { describeStreams, marksOf, midsOf } from "../../src/rooms/streamMarks";
import { RoomMember } from "../../src/rooms/videoRoom";
import { checkRoomAction } from "../../src/rooms/roomActions";
import type { MemberEvent } from "../../src/rooms/roomModel";

const OFFER = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1", ""].join("\r\n");

describe("room stream marks", () => {
  it("finds the mids of our offer's audio and video", () => {
    assert.deepEqual(midsOf(OFFER), { audio: "0", video: "1" });
    assert.deepEqual(midsOf(OFFER.replace(/m=video[\s\S]*$/, "")), { audio: "0" });
  });

  it("describes muted / camera off / screen, and reads them back", () => {
    const mids = { audio: "0", video: "1" };
    const streams = (d: Array<{ mid: string; description: string }>) => d.map((x) => ({ type: x.mid === "0" ? "audio" : "video", mid: x.mid, description: x.description }));
    assert.deepEqual(marksOf(streams(describeStreams(mids, { muted: false, cameraOff: false }))), { audio: true, video: true, muted: false, cameraOff: false, screen: false });
    assert.deepEqual(marksOf(streams(describeStreams(mids, { muted: true, cameraOff: true }))), { audio: true, video: true, muted: true, cameraOff: true, screen: false });
    assert.deepEqual(marksOf(streams(describeStreams({ video: "0" }, { muted: false, cameraOff: false, screen: true })).map((s) => ({ ...s, type: "video" }))), {
      audio: false, video: true, muted: false, cameraOff: false, screen: true,
    });
  });

  it("reads other clients' publishers (no descriptions), moderated and disabled streams, and junk", () => {
    assert.deepEqual(marksOf([{ type: "audio", mid: "a" }, { type: "video", mid: "v" }]), { audio: true, video: true, muted: false, cameraOff: false, screen: false });
    assert.equal(marksOf([{ type: "audio", mid: "a", moderated: true }]).muted, true, "a moderator's mute counts");
    assert.equal(marksOf([{ type: "video", mid: "v", disabled: true }]).video, false, "a disabled stream is not sent");
    for (const junk of [undefined, null, "x", 5, [null, 7, "s"], { type: "audio" }]) assert.doesNotThrow(() => marksOf(junk));
  });
});

describe("a video-room member following the room's events", () => {
  function member() {
    let deliver: (e: JanusEvent) => void = () => undefined;
    const sent: Array<Record<string, unknown>> = [];
    const janus = {
      attach: async (_p: string, on: (e: JanusEvent) => void) => ((deliver = on), 9),
      detach: async () => undefined,
      message: async (_h: number, body: Record<string, unknown>) => {
        sent.push(body);
        if (body.request === "join") return { data: { id: 1, private_id: 11, publishers: [{ id: 2, display: "Ben", streams: [{ type: "audio", mid: "0", description: "microphone" }] }] } };
        if (body.request === "configure" && !("descriptions" in body && !("audio" in body))) return { data: {}, jsep: { type: "answer", sdp: "v=0" } };
        return { data: {} };
      },
    } as unknown as JanusConnection;
    return { janus, sent, send: (data: Record<string, unknown>) => deliver({ janus: "event", plugindata: { plugin: "janus.plugin.videoroom", data } } as JanusEvent) };
  }

  it("a publisher re-announced with 'microphone muted' is updated as muted; talking events mark who speaks (us too)", async () => {
    const rig = member();
    const me = await RoomMember.join(rig.janus, 1234, { display: "Ann" });
    const events: MemberEvent[] = [];
    me.onEvent((e) => events.push(e));
    assert.equal(me.others.get(2)?.muted, false);
    rig.send({ videoroom: "event", room: 1234, publishers: [{ id: 2, display: "Ben", streams: [{ type: "audio", mid: "0", description: "microphone muted" }] }] });
    assert.equal(me.others.get(2)?.muted, true);
    assert.deepEqual(events.map((e) => e.kind), ["updated"]);
    rig.send({ videoroom: "talking", room: 1234, id: 2, mid: "0" });
    assert.equal(me.others.get(2)?.talking, true);
    rig.send({ videoroom: "talking", room: 1234, id: 1, mid: "0" });
    assert.deepEqual(events.at(-1), { kind: "talking", id: 1, talking: true });
    rig.send({ videoroom: "stopped-talking", room: 1234, id: 2, mid: "0" });
    assert.equal(me.others.get(2)?.talking, false);
  });

  it("publishes with descriptions and tells its marks with an SDP-less configure", async () => {
    const rig = member();
    const me = await RoomMember.join(rig.janus, 1234, { display: "Ann" });
    await me.publish(OFFER, { video: true });
    assert.deepEqual(rig.sent.at(-1)?.descriptions, [{ mid: "0", description: "microphone" }, { mid: "1", description: "camera" }]);
    await me.mark({ muted: true, cameraOff: true });
    assert.deepEqual(rig.sent.at(-1), { request: "configure", descriptions: [{ mid: "0", description: "microphone muted" }, { mid: "1", description: "camera off" }] });
  });
});

describe("room actions from a page are checked", () => {
  it("accepts the table's actions and refuses anything else with a reason", () => {
    assert.deepEqual(checkRoomAction({ action: "receive", memberId: 5, on: false, extra: "x" }), { action: "receive", memberId: 5, on: false });
    assert.deepEqual(checkRoomAction({ action: "leave" }), { action: "leave" });
    assert.throws(() => checkRoomAction(null), /must be an object/);
    assert.throws(() => checkRoomAction({ action: "mute", muted: "yes" }), /needs "muted"/);
    assert.throws(() => checkRoomAction({ action: "receive", memberId: "5", on: true }), /member id/);
    assert.throws(() => checkRoomAction({ action: "__proto__" }), /unknown room action/);
    assert.deepEqual(checkRoomAction({ action: "layer", memberId: 7, layer: "low" }), { action: "layer", memberId: 7, layer: "low" });
    assert.throws(() => checkRoomAction({ action: "layer", memberId: 7, layer: "medium" }), /"high" or "low"/);
  });
});
