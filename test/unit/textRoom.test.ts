// The room chat's protocol (Janus TextRoom over the call window's data channel), with a stand-in
// Janus connection and pipe: joining, messages and whispers, peers coming and going, and what a
// hostile or broken server may send.
import assert from "node:assert/strict";
import type { JanusConnection } from "../../src/rooms/janusConnection";
import { RoomChat } from "../../src/rooms/roomChat";
import { TextRoomChat, type ChatPipe } from "../../src/rooms/textRoom";

function rig(participants: Array<{ username: string; display: string }> = [{ username: "2", display: "Ben" }]) {
  const sent: Array<Record<string, unknown>> = [];
  let deliver: (text: string) => void = () => undefined;
  const janus = {
    connected: true,
    attach: async () => 7,
    detach: async () => undefined,
    message: async (_h: number, body: Record<string, unknown>) => (body.request === "setup" ? { data: {}, jsep: { type: "offer", sdp: "v=0 offer" } } : { data: {} }),
  } as unknown as JanusConnection;
  const pipe: ChatPipe = {
    answer: async () => "v=0 answer",
    opened: async () => undefined,
    send: (text) => {
      const msg = JSON.parse(text) as Record<string, unknown>;
      sent.push(msg);
      // The server answers every request with success (join: with who is there).
      queueMicrotask(() => deliver(JSON.stringify({ textroom: "success", transaction: msg.transaction, ...(msg.textroom === "join" ? { participants } : {}) })));
      return true;
    },
    onText: (l) => void (deliver = l),
    close: () => undefined,
  };
  return { janus, pipe, sent, push: (m: unknown) => deliver(typeof m === "string" ? m : JSON.stringify(m)) };
}

describe("TextRoomChat", () => {
  it("joins as the member id and knows who else is there", async () => {
    const r = rig([{ username: "1", display: "Ann" }, { username: "2", display: "Ben" }]);
    const chat = await TextRoomChat.join(r.janus, r.pipe, 1234, { username: "1", display: "Ann", pin: "424242" });
    assert.deepEqual(r.sent[0], { textroom: "join", room: 1234, username: "1", display: "Ann", pin: "424242", transaction: r.sent[0].transaction });
    assert.deepEqual([...chat.peers.keys()], ["2"], "ourselves not among the peers");
  });

  it("sends to everyone and whispers to one; refuses empty, too long and unknown addressees", async () => {
    const r = rig();
    const chat = await TextRoomChat.join(r.janus, r.pipe, 1, { username: "1", display: "Ann" });
    const all = await chat.send("hi");
    assert.equal(r.sent.at(-1)!.to, undefined);
    assert.deepEqual({ own: all.own, whisper: all.whisper }, { own: true, whisper: false });
    const psst = await chat.send("psst", "2");
    assert.equal(r.sent.at(-1)!.to, "2");
    assert.deepEqual({ whisper: psst.whisper, to: psst.to }, { whisper: true, to: "2" });
    await assert.rejects(chat.send("   "), /empty/);
    await assert.rejects(chat.send("z".repeat(2049)), /2049 characters; at most 2048/);
    await assert.rejects(chat.send("x", "9"), /not in the room's chat/);
  });

  it("reports messages, whispers, joins and leaves; ignores our own echo, junk and bad dates", async () => {
    const r = rig();
    const chat = await TextRoomChat.join(r.janus, r.pipe, 1, { username: "1", display: "Ann" });
    const events: string[] = [];
    chat.onEvent((e) => events.push(e.kind === "message" ? `message:${e.message.fromDisplay}:${e.message.text}:${e.message.whisper}` : e.kind === "joined" ? `joined:${e.peer.display}` : e.kind === "left" ? `left:${e.username}` : e.kind));
    r.push({ textroom: "message", room: 1, from: "2", text: "hello", date: "2026-12-01T03:00:00Z" });
    r.push({ textroom: "message", room: 1, from: "2", text: "secret", whisper: true, date: "year 3000" });
    r.push({ textroom: "message", room: 1, from: "1", text: "my own echo" });
    r.push("{not json");
    r.push("null");
    r.push({ textroom: "message", from: "2", text: { html: "<b>" } });
    r.push({ textroom: "join", username: "3", display: "Cid" });
    r.push({ textroom: "leave", username: "3" });
    r.push({ textroom: "leave", username: "nobody" });
    r.push({ textroom: "kicked", username: "1" });
    r.push({ textroom: "destroyed", room: 1 });
    assert.deepEqual(events, ["message:Ben:hello:false", "message:Ben:secret:true", "joined:Cid", "left:3", "kicked", "closed"]);
  });

  it("cuts an absurdly long incoming message for display, saying how much is not shown", async () => {
    const r = rig();
    const chat = await TextRoomChat.join(r.janus, r.pipe, 1, { username: "1", display: "Ann" });
    let text = "";
    chat.onEvent((e) => void (e.kind === "message" && (text = e.message.text)));
    r.push({ textroom: "message", from: "2", text: "a".repeat(10000) });
    assert.ok(text.startsWith("a".repeat(2048) + " … (7952 more characters not shown)"));
  });
});

describe("RoomChat", () => {
  it("counts what others sent as unread until read; whispers by name; keeps the newest 500", async () => {
    const r = rig([{ username: "2", display: "Ben" }, { username: "3", display: "Ben" }, { username: "4", display: "Cid" }]);
    let changes = 0;
    const room = new RoomChat(() => changes++);
    await room.open(() => TextRoomChat.join(r.janus, r.pipe, 1, { username: "1", display: "Ann" }));
    assert.equal(room.view().state, "ready");
    for (let i = 0; i < 510; i++) r.push({ textroom: "message", from: "4", text: `m${i}` });
    assert.equal(room.view().unread, 510);
    assert.equal(room.view().messages.length, 200, "the view carries the latest 200");
    assert.equal(room.view().messages.at(-1)!.text, "m509");
    room.markRead();
    assert.equal(room.view().unread, 0);
    await room.send("to Cid", "Cid");
    assert.equal(r.sent.at(-1)!.to, "4");
    await assert.rejects(room.send("to Ben?", "Ben"), /2 people in the room are called "Ben": whisper by member id/);
    await room.send("to one Ben", 3);
    assert.equal(r.sent.at(-1)!.to, "3");
    assert.ok(changes > 0);
  });

  it("a room without a chat says so, and sending there says why", async () => {
    const room = new RoomChat(() => undefined);
    await room.open(async () => {
      throw new Error("room 5 does not exist (any more)");
    });
    assert.deepEqual(room.view().state, "unavailable");
    await assert.rejects(room.send("hi"), /this room has no chat \(room 5 does not exist/);
  });
});
