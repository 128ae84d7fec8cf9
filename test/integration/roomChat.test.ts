// Integration: a room's chat on Janus TextRoom with three phones (each its own call window in
// headless Chromium, whose data-only peer connection carries the chat). Messages to everyone
// reach the other two; a whisper reaches only its addressee — the third phone's data channel
// (everything its call window passed up from Janus) never carries it; leaving is seen by the
// others; too long a message is refused, not cut. No mocks.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Softphone } from "../../src/softphone";
import { startRoomPhones, type RoomPhones } from "../support/roomProbes";
import { sleep, waitFor } from "../support/wait";

describe("room chat on Janus TextRoom (three phones)", function () {
  this.timeout(120000);
  let rig: RoomPhones;
  let phones: Record<"Ann" | "Ben" | "Cid", Softphone>;
  /** Every text each phone's call window passed up from its chat's data channel. */
  const wire: Record<string, string[]> = { Ann: [], Ben: [], Cid: [] };
  let room: number;

  before(async function () {
    this.timeout(120000);
    rig = await startRoomPhones("roomchat", 3);
    phones = { Ann: rig.phones[0], Ben: rig.phones[1], Cid: rig.phones[2] };
    for (const [name, p] of Object.entries(phones)) p.media.onData(({ text }) => wire[name].push(text));
    room = await phones.Ann.rooms.create({ kind: "audio", subject: "Chat check", pin: "424242", secret: "chat-secret" });
    for (const [name, p] of Object.entries(phones)) await p.rooms.join(room, { display: name, pin: "424242" });
    await waitFor("every chat to be ready with the other two in it", () => Object.values(phones).every((p) => p.rooms.view()?.chat.state === "ready" && p.rooms.view()?.chat.peers.length === 2), 20000);
  });
  after(async () => rig?.stop());

  const chat = (p: Softphone) => p.rooms.view()!.chat;
  const idOf = (viewer: Softphone, display: string) => chat(viewer).peers.find((p) => p.display === display)!.id;

  it("a message to everyone reaches the other two, as plain text, with who sent it; unread counts until read", async () => {
    const text = `hello everyone <img src=x onerror=alert(1)> [link](command:workbench.action.quit) ${randomBytes(4).toString("hex")}`;
    const sent = await phones.Ann.rooms.sendMessage(text);
    assert.equal(sent.own, true);
    assert.equal(sent.whisper, false);
    for (const name of ["Ben", "Cid"] as const) {
      const got = await waitFor(`${name} to receive Ann's message`, () => chat(phones[name]).messages.find((m) => m.text === text), 10000);
      assert.equal(got.fromDisplay, "Ann");
      assert.equal(got.whisper, false);
      assert.equal(got.from, String(phones.Ann.rooms.view()!.memberId), "the sender is named by member id");
      assert.equal(chat(phones[name]).unread, 1);
    }
    assert.equal(chat(phones.Ann).messages.filter((m) => m.text === text).length, 1, "Ann's own message once (the server's echo is not added twice)");
    assert.equal(chat(phones.Ann).unread, 0, "our own messages are not unread");
    phones.Ben.rooms.markChatRead();
    assert.equal(chat(phones.Ben).unread, 0);
  });

  it("a whisper reaches only its addressee: the third phone's data channel never carries it", async () => {
    const secret = `psst-${randomBytes(6).toString("hex")}`;
    const cidWireBefore = wire.Cid.length;
    const sent = await phones.Ann.rooms.sendMessage(`for Ben only: ${secret}`, { to: Number(idOf(phones.Ann, "Ben")) });
    assert.equal(sent.whisper, true);
    assert.equal(sent.to, idOf(phones.Ann, "Ben"));
    const got = await waitFor("Ben to receive the whisper", () => chat(phones.Ben).messages.find((m) => m.text.includes(secret)), 10000);
    assert.equal(got.whisper, true);
    assert.equal(got.fromDisplay, "Ann");
    // A message to everyone sent after the whisper reaches Cid: by then the whisper would have too.
    const after = `after the whisper ${randomBytes(4).toString("hex")}`;
    await phones.Ann.rooms.sendMessage(after);
    await waitFor("Cid to receive the next public message", () => chat(phones.Cid).messages.some((m) => m.text === after), 10000);
    await sleep(500);
    assert.ok(wire.Cid.length > cidWireBefore, "Cid's chat channel carried traffic meanwhile (it is alive)");
    assert.ok(!wire.Cid.some((t) => t.includes(secret)), "the whisper never reached Cid's call window");
    assert.ok(!chat(phones.Cid).messages.some((m) => m.text.includes(secret)), "nor Cid's conversation");
    assert.ok(wire.Ben.some((t) => t.includes(secret)), "it did reach Ben's");
  });

  it("a whisper by name; too long a message is refused with the reason, not cut; an unknown addressee is refused", async () => {
    await phones.Ben.rooms.sendMessage("back to you", { to: "Ann" });
    const got = await waitFor("Ann to receive Ben's whisper", () => chat(phones.Ann).messages.find((m) => m.text === "back to you"), 10000);
    assert.equal(got.whisper, true);
    await assert.rejects(phones.Ann.rooms.sendMessage("x".repeat(2049)), /2049 characters; at most 2048/);
    const longest = "y".repeat(2048);
    await phones.Ann.rooms.sendMessage(longest);
    await waitFor("Ben to receive 2048 characters whole", () => chat(phones.Ben).messages.some((m) => m.text === longest), 10000);
    await assert.rejects(phones.Ann.rooms.sendMessage("hi", { to: "Nobody" }), /nobody in the room's chat is "Nobody"/);
  });

  it("leaving is seen by the others: the one who left can no longer be whispered to", async () => {
    const cidId = idOf(phones.Ann, "Cid");
    await phones.Cid.rooms.leave();
    await waitFor("Ann and Ben to see Cid leave the chat", () => [phones.Ann, phones.Ben].every((p) => chat(p).peers.length === 1), 10000);
    await assert.rejects(phones.Ann.rooms.sendMessage("still there?", { to: cidId }), /nobody in the room's chat/);
    for (const p of [phones.Ann, phones.Ben]) await p.rooms.leave();
    await phones.Ann.rooms.destroy(room, "chat-secret");
  });
});
