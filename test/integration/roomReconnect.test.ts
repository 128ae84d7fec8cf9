// Integration: the rooms server restarts mid-room. Two phones are in the bench's static demo room
// (it is in Janus's configuration, so it is there again after the restart) and receive each
// other; Janus is stopped and started by PID. Without anyone doing anything, both phones rejoin,
// publish again and receive each other again (packets, level, frames). And a network drop
// between one phone and the server (a TCP relay cut for a few seconds; Janus keeps running):
// that phone claims its Janus session back — same member, the feeds never stopped — and learns
// who came and went meanwhile.
import assert from "node:assert/strict";
import { assertFeedArrives, ROOMS_SERVER, startRoomPhones, type RoomPhones } from "../support/roomProbes";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy";
import { sleep, waitFor } from "../support/wait";

const DEMO_ROOM = 1000;

describe("a room across a restart of the rooms server (two phones in the demo room)", function () {
  this.timeout(120000);
  let rig: RoomPhones;

  before(async function () {
    this.timeout(120000);
    rig = await startRoomPhones("roomreconnect", 2);
  });
  after(async () => rig?.stop());

  it("Janus restarted: both phones are back in the room by themselves and receive each other again", async () => {
    const [a, b] = [rig.phones[0], rig.phones[1]];
    await a.rooms.join(DEMO_ROOM, { display: "Ann", video: true });
    await b.rooms.join(DEMO_ROOM, { display: "Ben", video: true });
    const bensFeedAtAnn = () => {
      const ben = a.rooms.view()?.others.find((p) => p.display === "Ben");
      return ben && a.rooms.subscriptionSession(ben.id);
    };
    await assertFeedArrives(a, await waitFor("Ann to receive Ben", bensFeedAtAnn, 15000), "Ann receiving Ben");

    await rig.bench.pbx.stopJanus();
    await waitFor("both phones to notice and wait to rejoin", () => a.rooms.view()?.reconnecting === true && b.rooms.view()?.reconnecting === true, 10000);
    await sleep(1000);
    await rig.bench.pbx.startJanus();

    await waitFor("both phones back in the room", () => [a, b].every((p) => p.rooms.view()?.reconnecting === undefined && p.rooms.view()?.others.length === 1), 30000, 250);
    assert.equal(a.rooms.view()?.id, DEMO_ROOM);
    await assertFeedArrives(a, await waitFor("Ann to receive Ben again", bensFeedAtAnn, 15000), "Ann receiving Ben after the restart");
    const annsFeedAtBen = () => {
      const ann = b.rooms.view()?.others.find((p) => p.display === "Ann");
      return ann && b.rooms.subscriptionSession(ann.id);
    };
    await assertFeedArrives(b, await waitFor("Ben to receive Ann again", annsFeedAtBen, 15000), "Ben receiving Ann after the restart");
    await a.rooms.leave();
    await b.rooms.leave();
  });
});

describe("a room across a network drop between one phone and the rooms server (the session is reclaimed)", function () {
  this.timeout(120000);
  let rig: RoomPhones;
  let proxy: TcpProxy;

  before(async function () {
    this.timeout(120000);
    const janus = new URL(ROOMS_SERVER);
    proxy = await startTcpProxy({ host: janus.hostname, port: Number(janus.port) });
    // Ann reaches Janus through the relay; Ben and Cid directly.
    rig = await startRoomPhones("roomreclaim", 3, { roomsServer: (i) => (i === 0 ? `ws://127.0.0.1:${proxy.port}` : ROOMS_SERVER) });
  });
  after(async () => {
    await rig?.stop();
    await proxy?.close();
  });

  it("Ann's link drops for 3 s: she claims her session back (same member id, no rejoin), her feed from Ben never stopped, and she learns Cid joined meanwhile", async () => {
    const [ann, ben, cid] = rig.phones;
    const room = await ann.rooms.create({ subject: "Reclaim check", secret: "reclaim-secret" });
    const before = await ann.rooms.join(room, { display: "Ann", video: true });
    const benIn = await ben.rooms.join(room, { display: "Ben", video: true });
    const benAtAnn = await waitFor("Ann to receive Ben", () => ann.rooms.subscriptionSession(benIn.memberId), 15000);
    await assertFeedArrives(ann, benAtAnn, "Ann receiving Ben");

    proxy.cut(3000);
    await waitFor("Ann to show she is reconnecting", () => ann.rooms.view()?.reconnecting === true, 5000);
    const cidIn = await cid.rooms.join(room, { display: "Cid", video: true }); // while Ann cannot hear of it
    await waitFor("Ann back (no longer reconnecting)", () => ann.rooms.view() && ann.rooms.view()?.reconnecting === undefined, 20000, 100);
    assert.equal(ann.rooms.view()?.memberId, before.memberId, "the same member: the session was reclaimed, not joined again");
    assert.equal(ann.rooms.subscriptionSession(benIn.memberId), benAtAnn, "the same subscription to Ben");
    await assertFeedArrives(ann, benAtAnn, "Ann still receiving Ben on the same peer connection");
    await waitFor("Ann to learn Cid is there and receive him", () => ann.rooms.subscriptionSession(cidIn.memberId), 15000);
    await assertFeedArrives(ann, ann.rooms.subscriptionSession(cidIn.memberId)!, "Ann receiving Cid, who joined while she was cut off");
    // Ben still sees Ann as the same member: for the room she never left.
    assert.ok(ben.rooms.view()?.others.some((p) => p.id === before.memberId), "Ben still has Ann under her member id");
    for (const p of [ann, ben, cid]) await p.rooms.leave();
    await ann.rooms.destroy(room, "reclaim-secret");
  });
});
