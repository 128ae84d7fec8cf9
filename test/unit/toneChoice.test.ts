// The call window's tone: the incoming ring, the local ringback, or nothing while early media plays.
import assert from "node:assert/strict";
import type { CallView } from "../../src/protocol/model";
import { chooseTone } from "../../webview/callwindow/toneChoice";

const call = (id: string, direction: CallView["direction"], state: CallView["state"]): CallView => ({
  id,
  accountId: "a",
  direction,
  remote: { uri: "sip:x@example.com" },
  state,
  muted: false,
  held: false,
  startedAt: 0,
});

describe("call window tone", () => {
  const none = () => false;
  it("plays the ringback while an outgoing call rings without early media", () => {
    assert.equal(chooseTone([call("1", "outgoing", "ringing")], false, none), "ringback");
  });
  it("plays nothing while that call's early media plays (the network's own ringback)", () => {
    assert.equal(chooseTone([call("1", "outgoing", "ringing")], false, (id) => id === "1"), undefined);
  });
  it("still plays the ringback for another ringing call without early media", () => {
    const calls = [call("1", "outgoing", "ringing"), call("2", "outgoing", "ringing")];
    assert.equal(chooseTone(calls, false, (id) => id === "1"), "ringback");
  });
  it("a call ringing while we talk in another gets the soft call-waiting tone, not the full ring", () => {
    assert.equal(chooseTone([call("1", "outgoing", "incall"), call("2", "incoming", "ringing")], true, () => false), "waiting");
    const held = { ...call("1", "outgoing", "incall"), held: true };
    assert.equal(chooseTone([held, call("2", "incoming", "ringing")], true, () => false), "ring");
  });
  it("the incoming ring wins over everything", () => {
    assert.equal(chooseTone([call("1", "outgoing", "ringing")], true, (id) => id === "1"), "ring");
  });
  it("plays nothing for calls that are not ringing", () => {
    assert.equal(chooseTone([call("1", "outgoing", "trying"), call("2", "outgoing", "incall"), call("3", "incoming", "ringing")], false, none), undefined);
  });
});
