// Integration: the rooms server restarts mid-room. Two phones are in the bench's static demo room
// (it is in Janus's configuration, so it is there again after the restart) and receive each
// other; Janus is stopped and started by PID. Without anyone doing anything, both phones rejoin,
// publish again and receive each other again (packets, level, frames).
import assert from "node:assert/strict";
import { assertFeedArrives, startRoomPhones, type RoomPhones } from "../support/roomProbes";
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
