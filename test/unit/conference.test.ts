// The local conference's bookkeeping (which calls are mixed, what is held): pure logic, with a
// stand-in host that records what it was asked (the mixing itself is the call window's, tested
// on the bench in test/integration/conference.test.ts).
import assert from "node:assert/strict";
import { Call } from "../../src/calls/call";
import { LocalConference } from "../../src/calls/conference";

function answered(id: string, held = false): Call {
  const c = new Call(id, "alice", "outgoing", { uri: `sip:${id}@example.com` });
  c.sm.advance("incall");
  c.held = held;
  return c;
}

function bench(calls: Call[]) {
  const mixes: string[][] = [];
  const holds: Array<[string, boolean]> = [];
  const conference = new LocalConference({
    inProgress: () => calls.filter((c) => c.state === "incall"),
    setHeld: async (call, held) => {
      holds.push([call.id, held]);
      call.held = held;
    },
    mix: (ids) => mixes.push(ids),
    changed: () => undefined,
  });
  return { conference, mixes, holds };
}

describe("local conference", () => {
  it("merges every call in progress, resuming the held ones, and marks them", async () => {
    const a = answered("a");
    const b = answered("b", true);
    const { conference, mixes, holds } = bench([a, b]);
    await conference.merge();
    assert.deepEqual(holds, [["b", false]]);
    assert.deepEqual(mixes, [["a", "b"]]);
    assert.deepEqual([a.inConference, b.inConference], [true, true]);
  });

  it("needs two calls in progress, and only calls in progress", async () => {
    const a = answered("a");
    const ringing = new Call("r", "alice", "incoming", { uri: "sip:r@example.com" });
    const { conference, mixes } = bench([a, ringing]);
    await assert.rejects(conference.merge(), /needs two calls in progress/);
    await assert.rejects(conference.merge([a, ringing]), /only calls in progress/);
    assert.deepEqual(mixes, []);
  });

  it("adding a call keeps those already in the conference", async () => {
    const [a, b, c] = [answered("a"), answered("b"), answered("c")];
    const { conference, mixes } = bench([a, b, c]);
    await conference.merge([a, b]);
    await conference.merge([a, c]);
    assert.deepEqual(mixes.at(-1), ["a", "b", "c"]);
  });

  it("split keeps one call talking and holds the others", async () => {
    const [a, b, c] = [answered("a"), answered("b"), answered("c")];
    const { conference, mixes, holds } = bench([a, b, c]);
    await conference.merge();
    await conference.split(b);
    assert.deepEqual(mixes.at(-1), []);
    assert.deepEqual(holds, [["a", true], ["c", true]]);
    assert.equal(b.held, false);
    assert.deepEqual([a.inConference, b.inConference, c.inConference], [false, false, false]);
    await assert.rejects(conference.split(b), /not in a conference/);
  });

  it("a leg that ends leaves the others mixed; with one left the conference is over", async () => {
    const [a, b, c] = [answered("a"), answered("b"), answered("c")];
    const { conference, mixes } = bench([a, b, c]);
    await conference.merge();
    conference.left(b);
    assert.deepEqual(mixes.at(-1), ["a", "c"]);
    conference.left(c);
    assert.deepEqual(mixes.at(-1), []);
    assert.equal(a.inConference, false);
  });
});
