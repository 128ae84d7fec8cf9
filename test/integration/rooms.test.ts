// Integration: rooms on the bench's real Janus (VideoRoom), through the host's Janus client —
// create with a PIN, list, a wrong PIN refused with a clear message, join, participants, kick and
// destroy with the room's secret, and what the other members are told. Signalling only: media in
// rooms comes with the call window's room sessions.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { JanusConnection } from "../../src/rooms/janusConnection";
import type { MemberEvent } from "../../src/rooms/roomModel";
import { RoomMember } from "../../src/rooms/videoRoom";
import { RoomAdmin } from "../../src/rooms/roomAdmin";
import { startPbx, type Pbx } from "../support/pbx";
import { REPO } from "../support/phoneBench";
import { waitFor } from "../support/wait";

const JANUS = "ws://127.0.0.1:8188";

describe("rooms on Janus (VideoRoom): create, list, PIN, join, kick, destroy", function () {
  this.timeout(60000);
  let pbx: Pbx;
  let runDir: string;
  const connections: JanusConnection[] = [];

  before(async function () {
    this.timeout(120000);
    const runRoot = process.env.SOFTPHONE_RUN_DIR ?? join(REPO, ".run");
    mkdirSync(runRoot, { recursive: true });
    runDir = mkdtempSync(join(runRoot, "it-rooms-"));
    pbx = await startPbx(join(runDir, "pbx"));
  });
  after(async () => {
    for (const c of connections) await c.close().catch(() => undefined);
    await pbx?.stop();
    if (runDir && !process.env.KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
  });

  async function connect(): Promise<JanusConnection> {
    const c = new JanusConnection(JANUS);
    await c.open();
    connections.push(c);
    return c;
  }

  function events(member: RoomMember): MemberEvent[] {
    const seen: MemberEvent[] = [];
    member.onEvent((e) => seen.push(e));
    return seen;
  }

  it("a room created with a PIN is listed with its subject and 'PIN required'; a wrong PIN is refused clearly; the right one joins and the others see it", async () => {
    const admin = await RoomAdmin.attach(await connect(), "video");
    const room = await admin.create({ subject: "Release planning <b>&</b> \u{1F680}", pin: "123456", secret: "s3cret-admin" });
    const listed = (await admin.list()).find((r) => r.id === room);
    assert.deepEqual(listed, { id: room, kind: "video", subject: "Release planning <b>&</b> \u{1F680}", pinRequired: true, participants: 0 });

    const bobConn = await connect();
    await assert.rejects(RoomMember.join(bobConn, room, { display: "bob", pin: "654321" }), (err: Error) => err.message === `wrong PIN for room ${room}`);
    await assert.rejects(RoomMember.join(bobConn, room, { display: "bob" }), (err: Error) => err.message === `room ${room} needs a PIN`);
    await assert.rejects(RoomMember.join(bobConn, 4242424242, { display: "bob", pin: "123456" }), /room 4242424242 does not exist/);

    const alice = await RoomMember.join(await connect(), room, { display: "alice", pin: "123456" });
    const aliceSees = events(alice);
    const bob = await RoomMember.join(bobConn, room, { display: "bob", pin: "123456" });
    assert.deepEqual([...bob.others.values()].map((p) => p.display), ["alice"], "bob sees alice, who was there first");
    await waitFor("alice to see bob join", () => aliceSees.some((e) => e.kind === "joined" && e.participant.display === "bob"), 5000);
    assert.deepEqual((await admin.participants(room)).map((p) => p.display).sort(), ["alice", "bob"]);
    assert.equal((await admin.list()).find((r) => r.id === room)?.participants, 2);

    await bob.leave();
    await waitFor("alice to see bob leave", () => aliceSees.some((e) => e.kind === "left" && e.id === bob.id), 5000);
    await admin.destroy(room, "s3cret-admin");
  });

  it("kick and destroy need the room's secret; the kicked member and then the others are told", async () => {
    const admin = await RoomAdmin.attach(await connect(), "video");
    const room = await admin.create({ subject: "Standup", secret: "s3cret-two" });
    const carol = await RoomMember.join(await connect(), room, { display: "carol" });
    const dave = await RoomMember.join(await connect(), room, { display: "dave" });
    const carolSees = events(carol);
    const daveSees = events(dave);

    await assert.rejects(admin.kick(room, "guess", dave.id), new RegExp(`wrong secret for room ${room}`));
    await admin.kick(room, "s3cret-two", dave.id);
    await waitFor("dave to be told he was kicked", () => daveSees.some((e) => e.kind === "kicked"), 5000);
    await waitFor("carol to see dave go", () => carolSees.some((e) => e.kind === "left" && e.id === dave.id), 5000);

    await assert.rejects(admin.destroy(room, "guess"), /wrong secret/);
    await admin.destroy(room, "s3cret-two");
    await waitFor("carol to be told the room closed", () => carolSees.some((e) => e.kind === "closed"), 5000);
    assert.equal((await admin.list()).some((r) => r.id === room), false, "the room is gone from the list");
  });
});
