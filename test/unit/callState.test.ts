import assert from "node:assert/strict";
import { CallStateMachine, canAdvance, clearReasonForStatus, historyOutcome } from "../../src/calls/callState";
import type { CallState, ClearReason, HistoryOutcome } from "../../src/protocol/model";

const ORDER: CallState[] = ["connecting", "trying", "ringing", "incall", "cleared"];

describe("canAdvance", () => {
  it("allows every move forward, including skips", () => {
    for (let from = 0; from < ORDER.length; from++) {
      for (let to = from + 1; to < ORDER.length; to++) {
        assert.equal(canAdvance(ORDER[from]!, ORDER[to]!), true, `${ORDER[from]} → ${ORDER[to]}`);
      }
    }
  });

  it("refuses staying put and going back", () => {
    for (let from = 0; from < ORDER.length; from++) {
      for (let to = 0; to <= from; to++) {
        assert.equal(canAdvance(ORDER[from]!, ORDER[to]!), false, `${ORDER[from]} → ${ORDER[to]}`);
      }
    }
  });

  it("never leaves cleared", () => {
    for (const to of ORDER) assert.equal(canAdvance("cleared", to), false);
  });

  it("lets anything clear", () => {
    for (const from of ORDER.slice(0, -1)) assert.equal(canAdvance(from, "cleared"), true);
  });

  it("refuses unknown states in either position", () => {
    const bogus = ["", "answered", "CLEARED", "__proto__", "toString", undefined, null, 3] as unknown as CallState[];
    for (const b of bogus) {
      assert.equal(canAdvance(b, "cleared"), false, `from ${String(b)}`);
      assert.equal(canAdvance("connecting", b), false, `to ${String(b)}`);
    }
  });
});

describe("CallStateMachine", () => {
  it("starts outgoing calls at connecting and incoming calls at ringing", () => {
    assert.equal(new CallStateMachine("outgoing").state, "connecting");
    assert.equal(new CallStateMachine("incoming").state, "ringing");
  });

  it("records the initial state with its time", () => {
    const sm = new CallStateMachine("outgoing", 1000);
    assert.deepEqual(sm.history, [{ state: "connecting", at: 1000 }]);
  });

  it("defaults times to now", () => {
    const before = Date.now();
    const sm = new CallStateMachine("outgoing");
    sm.advance("trying");
    const after = Date.now();
    for (const { at } of sm.history) assert.ok(at >= before && at <= after);
  });

  it("walks the full outgoing path and records each step", () => {
    const sm = new CallStateMachine("outgoing", 0);
    assert.equal(sm.advance("trying", 10), true);
    assert.equal(sm.advance("ringing", 20), true);
    assert.equal(sm.advance("incall", 30), true);
    assert.equal(sm.advance("cleared", 40), true);
    assert.equal(sm.state, "cleared");
    assert.deepEqual(sm.history, [
      { state: "connecting", at: 0 },
      { state: "trying", at: 10 },
      { state: "ringing", at: 20 },
      { state: "incall", at: 30 },
      { state: "cleared", at: 40 },
    ]);
  });

  it("allows skipping forward (connecting → ringing, connecting → incall)", () => {
    const a = new CallStateMachine("outgoing", 0);
    assert.equal(a.advance("ringing", 1), true);
    assert.equal(a.state, "ringing");
    const b = new CallStateMachine("outgoing", 0);
    assert.equal(b.advance("incall", 1), true);
    assert.equal(b.state, "incall");
  });

  it("ignores a late provisional response after answer", () => {
    const sm = new CallStateMachine("outgoing", 0);
    sm.advance("incall", 5);
    assert.equal(sm.advance("ringing", 6), false);
    assert.equal(sm.state, "incall");
    assert.equal(sm.history.length, 2);
  });

  it("refuses repeating the current state without recording it twice", () => {
    const sm = new CallStateMachine("outgoing", 0);
    sm.advance("trying", 1);
    assert.equal(sm.advance("trying", 2), false);
    assert.deepEqual(sm.history.map((h) => h.state), ["connecting", "trying"]);
  });

  it("stays cleared once cleared", () => {
    const sm = new CallStateMachine("incoming", 0);
    assert.equal(sm.advance("cleared", 1), true);
    for (const to of ORDER) assert.equal(sm.advance(to, 2), false);
    assert.equal(sm.state, "cleared");
    assert.equal(sm.history.length, 2);
  });

  it("never lets an incoming call go back to connecting or trying", () => {
    const sm = new CallStateMachine("incoming", 0);
    assert.equal(sm.advance("connecting"), false);
    assert.equal(sm.advance("trying"), false);
    assert.equal(sm.advance("incall", 1), true);
  });

  it("ignores unknown target states", () => {
    const sm = new CallStateMachine("outgoing", 0);
    assert.equal(sm.advance("bogus" as CallState, 1), false);
    assert.equal(sm.state, "connecting");
  });

  it("does not let callers rewrite its history", () => {
    const sm = new CallStateMachine("outgoing", 0);
    const copy = sm.history as Array<{ state: CallState; at: number }>;
    copy.push({ state: "cleared", at: 9 });
    assert.equal(sm.history.length, 1);
  });
});

describe("clearReasonForStatus", () => {
  const table: Array<[number, ClearReason]> = [
    [486, "busy"],
    [600, "busy"],
    [603, "declined"],
    [404, "not-found"],
    [604, "not-found"],
    [484, "not-found"],
    [480, "unavailable"],
    [503, "unavailable"],
    [502, "unavailable"],
    [504, "unavailable"],
    [408, "no-answer"],
    [487, "cancelled"],
    [400, "failed"],
    [403, "failed"],
    [488, "failed"],
    [500, "failed"],
    [606, "failed"],
    [699, "failed"],
  ];
  for (const [status, reason] of table) {
    it(`maps ${status} to ${reason}`, () => assert.equal(clearReasonForStatus(status), reason));
  }

  it("answers failed for statuses that aren't failures or aren't numbers", () => {
    for (const s of [0, 100, 180, 200, 302, -486, 486.5, NaN, Infinity, "486" as unknown as number, undefined as unknown as number]) {
      assert.equal(clearReasonForStatus(s), "failed", String(s));
    }
  });
});

describe("historyOutcome", () => {
  const reasons: Array<ClearReason | undefined> = ["cancelled", "busy", "declined", "not-found", "unavailable", "no-answer", "failed", "ended-local", "ended-remote", undefined];

  it("calls every answered call answered, whatever the reason", () => {
    for (const direction of ["incoming", "outgoing"] as const) {
      for (const reason of reasons) assert.equal(historyOutcome(direction, true, reason), "answered");
    }
  });

  const unanswered: Array<["incoming" | "outgoing", ClearReason | undefined, HistoryOutcome]> = [
    ["incoming", "cancelled", "missed"],
    ["incoming", "no-answer", "missed"],
    ["incoming", "declined", "declined"],
    ["incoming", "busy", "busy"],
    ["incoming", "failed", "failed"],
    ["incoming", "unavailable", "failed"],
    ["incoming", "ended-remote", "failed"],
    ["incoming", undefined, "failed"],
    ["outgoing", "cancelled", "cancelled"],
    ["outgoing", "declined", "declined"],
    ["outgoing", "busy", "busy"],
    ["outgoing", "no-answer", "failed"],
    ["outgoing", "not-found", "failed"],
    ["outgoing", "unavailable", "failed"],
    ["outgoing", "failed", "failed"],
    ["outgoing", "ended-local", "failed"],
    ["outgoing", undefined, "failed"],
  ];
  for (const [direction, reason, outcome] of unanswered) {
    it(`unanswered ${direction} call cleared with ${reason ?? "no reason"} → ${outcome}`, () => {
      assert.equal(historyOutcome(direction, false, reason), outcome);
    });
  }

  it("treats unknown reasons as failed", () => {
    assert.equal(historyOutcome("incoming", false, "weird" as ClearReason), "failed");
  });
});
