// The one table of call actions: what reaches it from the sidebar and the call window is
// checked (those messages are not trusted), and each action runs its own CallManager method.
import assert from "node:assert/strict";
import { CALL_ACTION_NAMES, parseCallAction, runCallAction } from "../../src/calls/callActions";
import type { CallManager } from "../../src/calls/callManager";

/**
 * Stand-in for CallManager (a real one needs a SIP stack; the integration tests drive that):
 * it records which method each action reached, with which arguments.
 */
function recordingCalls(): { calls: CallManager; seen: unknown[][] } {
  const seen: unknown[][] = [];
  const rec = (name: string) => async (...args: unknown[]) => void seen.push([name, ...args]);
  const calls = { answer: rec("answer"), decline: rec("decline"), hangup: rec("hangup"), setMuted: rec("setMuted"), setHeld: rec("setHeld"), sendDtmf: rec("sendDtmf"), setVideo: rec("setVideo"), setCameraOff: rec("setCameraOff"), transfer: rec("transfer"), setRecording: rec("setRecording"), setConference: rec("setConference") };
  return { calls: calls as unknown as CallManager, seen };
}

describe("call actions", () => {
  it("routes each action to its own CallManager method with its own parameters", async () => {
    const { calls, seen } = recordingCalls();
    await runCallAction(calls, { action: "answer", callId: "c1" });
    await runCallAction(calls, { action: "decline", callId: "c2" });
    await runCallAction(calls, { action: "hangup" });
    await runCallAction(calls, { action: "mute", callId: "c3", muted: true });
    await runCallAction(calls, { action: "hold", callId: "c4", held: false });
    await runCallAction(calls, { action: "dtmf", callId: "c5", tones: "12#" });
    await runCallAction(calls, { action: "answer", callId: "c6", video: true });
    await runCallAction(calls, { action: "video", callId: "c7", on: true });
    await runCallAction(calls, { action: "camera", off: true });
    await runCallAction(calls, { action: "transfer", callId: "c8", to: "bob" });
    await runCallAction(calls, { action: "transfer", callId: "c9", toCallId: "c10", noAnswerTimeoutMs: 5000 });
    await runCallAction(calls, { action: "transfer", voicemailOf: "carol" });
    await runCallAction(calls, { action: "record", callId: "c11", on: true });
    await runCallAction(calls, { action: "conference", on: true });
    await runCallAction(calls, { action: "conference", callId: "c12", on: true, with: ["c13"] });
    await runCallAction(calls, { action: "conference", callId: "c12", on: false });
    assert.deepEqual(seen, [
      ["answer", "c1", {}],
      ["decline", "c2"],
      ["hangup", undefined],
      ["setMuted", "c3", true],
      ["setHeld", "c4", false],
      ["sendDtmf", "c5", "12#"],
      ["answer", "c6", { video: true }],
      ["setVideo", "c7", true],
      ["setCameraOff", undefined, true],
      ["transfer", "c8", "bob", { noAnswerTimeoutMs: undefined }],
      ["transfer", "c9", { callId: "c10" }, { noAnswerTimeoutMs: 5000 }],
      ["transfer", undefined, { voicemailOf: "carol" }, { noAnswerTimeoutMs: undefined }],
      ["setRecording", "c11", true],
      ["setConference", undefined, true, undefined],
      ["setConference", "c12", true, ["c13"]],
      ["setConference", "c12", false, undefined],
    ]);
  });

  it("names every action the protocol declares", () => {
    assert.deepEqual([...CALL_ACTION_NAMES].sort(), ["answer", "camera", "conference", "decline", "dtmf", "hangup", "hold", "mute", "record", "transfer", "video"]);
  });

  it("refuses malformed messages, saying what is wrong, and runs nothing", async () => {
    const { calls, seen } = recordingCalls();
    const cases: Array<[unknown, RegExp]> = [
      [null, /must be an object/],
      ["hangup", /must be an object/],
      [[{ action: "hangup" }], /must be an object/],
      [{}, /unknown call action "undefined"/],
      [{ action: "toString" }, /unknown call action "toString"/],
      [{ action: "__proto__" }, /unknown call action/],
      [{ action: "explode" }, /unknown call action "explode"/],
      [{ action: "hangup", callId: 5 }, /hangup: callId must be a string/],
      [{ action: "mute", callId: "c" }, /mute: muted must be true or false/],
      [{ action: "mute", muted: "yes" }, /mute: muted must be true or false/],
      [{ action: "hold", held: null }, /hold: held must be true or false/],
      [{ action: "dtmf", tones: 7 }, /dtmf: tones must be text/],
      [{ action: "answer", video: "yes" }, /answer: video must be true or false/],
      [{ action: "video" }, /video: on must be true or false/],
      [{ action: "camera", off: 1 }, /camera: off must be true or false/],
      [{ action: "conference" }, /conference: on must be true or false/],
      [{ action: "conference", on: true, with: "c2" }, /conference: with must be a list/],
      [{ action: "conference", on: true, with: [] }, /conference: with must be a list/],
      [{ action: "conference", on: true, with: [5] }, /conference: with must be a list/],
      [{ action: "transfer" }, /exactly one of to, toCallId or voicemailOf/],
      [{ action: "transfer", to: "bob", toCallId: "c2" }, /exactly one of/],
      [{ action: "transfer", to: 5 }, /transfer: to must be text/],
      [{ action: "transfer", to: "bob", noAnswerTimeoutMs: 10 }, /noAnswerTimeoutMs must be/],
      [{ action: "transfer", to: "bob", noAnswerTimeoutMs: "5000" }, /noAnswerTimeoutMs must be/],
    ];
    for (const [raw, message] of cases) {
      await assert.rejects(runCallAction(calls, raw), message, JSON.stringify(raw));
    }
    assert.deepEqual(seen, []);
  });

  it("ignores inherited properties (a polluted prototype cannot supply parameters)", () => {
    const raw = Object.create({ muted: true }) as Record<string, unknown>;
    raw.action = "mute";
    assert.throws(() => parseCallAction(raw), /muted must be true or false/);
  });

  it("keeps only the action's own fields", () => {
    assert.deepEqual(parseCallAction({ action: "dtmf", callId: "c", tones: "1", extra: "<img>" }), { action: "dtmf", callId: "c", tones: "1" });
  });
});
