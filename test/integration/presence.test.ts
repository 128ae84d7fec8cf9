// Integration: presence through Kamailio's presence server on the bench. Alice's softphone has
// bob (another softphone) and "phone" (baresip, which publishes nothing itself) as contacts and
// watches them (SUBSCRIBE presence + dialog). Bob publishes his own state (PUBLISH, PIDF); the
// PBX publishes registrations (pua_usrloc) and the calls it carries (pua_dialoginfo, the busy
// lamp). Both contacts turn busy while bob calls baresip and idle after; bob's do-not-disturb
// shows; bob going away (his softphone shut down) shows offline; after Kamailio restarts,
// alice subscribes again by herself and the lamps come back.
import assert from "node:assert/strict";
import type { Softphone } from "../../src/softphone";
import { addBenchPhone, benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { PBX } from "../support/pbx";
import { waitFor } from "../support/wait";

describe("presence through Kamailio's presence server (alice watches bob and baresip)", function () {
  this.timeout(120000);
  let bench: PhoneBench;
  let bob: ReturnType<typeof addBenchPhone>;
  let dnd = false;
  const alice = () => bench.phone;
  const lamp = (address: string) => alice().getState().presence?.contacts[address];
  const lampIs = (address: string, want: string, ms = 20000) =>
    waitFor(`${address}'s lamp to be ${want}`, () => lamp(address) === want, ms, 100).catch((err) => {
      throw new Error(`${(err as Error).message} (it is ${lamp(address)})`);
    });

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("presence", [benchAccount("alice")]);
    bob = addBenchPhone(bench, "presence-bob", { settings: () => ({ sipTrace: false, dtmfMode: "rfc4733" as const, doNotDisturb: dnd }) });
    await bob.phone.start([benchAccount("bob")]);
    await waitFor("bob registered", () => bob.phone.getState().accounts[0]?.state === "registered");
    alice().setContacts([
      { name: "Bob", address: "bob" },
      { name: "Desk phone", address: PBX.phone },
    ]);
  });
  after(async () => {
    await bob?.stop();
    await bench?.stop();
  });

  it("both contacts show available: bob by his own PUBLISH, baresip by its registration", async () => {
    await lampIs("bob", "idle");
    await lampIs(PBX.phone, "idle");
    assert.equal(bob.phone.getState().presence?.own, "available");
  });

  it("bob calls baresip: both turn busy (his PUBLISH and the PBX's dialog state), and idle again after the call", async () => {
    const id = await bob.phone.calls.dial(PBX.phone);
    await waitFor("bob in the call", () => bob.phone.callViews().find((c) => c.id === id)?.state === "incall", 20000);
    await lampIs("bob", "busy");
    await lampIs(PBX.phone, "busy"); // baresip publishes nothing: this is the PBX's busy lamp
    assert.equal(bob.phone.getState().presence?.own, "on-the-phone");
    await bob.phone.calls.hangup(id);
    await lampIs("bob", "idle");
    await lampIs(PBX.phone, "idle");
  });

  it("bob's do-not-disturb shows as such; switched off, available again", async () => {
    dnd = true;
    bob.phone.updateOwnPresence();
    await lampIs("bob", "dnd");
    dnd = false;
    bob.phone.updateOwnPresence();
    await lampIs("bob", "idle");
  });

  it("after Kamailio restarts (it forgets every subscription), alice subscribes again by herself", async () => {
    await bench.pbx.stopKamailio();
    // Alice notices, and forgets what she knew (no lamp is better than a stale one).
    await waitFor("alice to lose her registration", () => alice().getState().accounts[0]?.state !== "registered", 30000, 100);
    await waitFor("alice's lamps to be dropped", () => lamp("bob") === undefined && lamp(PBX.phone) === undefined, 5000, 100);
    await bench.pbx.startKamailio();
    // Everyone registers again; bob publishes again; alice's new subscriptions bring the lamps back.
    await waitFor("alice registered again", () => alice().getState().accounts[0]?.state === "registered", 60000, 200);
    await lampIs("bob", "idle", 60000);
    await lampIs(PBX.phone, "idle", 30000);
  });

  it("bob's softphone shuts down (un-REGISTER, un-PUBLISH): he shows offline", async () => {
    await bob.stop();
    await lampIs("bob", "offline");
  });
});
