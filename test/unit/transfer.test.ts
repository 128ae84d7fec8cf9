// The transfer attempt on the transferor's side: sipfrag progress into states, errors in words.
import assert from "node:assert/strict";
import type { TransferView } from "../../src/protocol/model";
import { parseSipfrag, TransferAttempt, transferErrorFor, voicemailUri } from "../../src/calls/transfer";

describe("transfer attempt", () => {
  it("reads a NOTIFY's message/sipfrag status line, and nothing else", () => {
    assert.deepEqual(parseSipfrag("SIP/2.0 180 Ringing"), { statusCode: 180, reason: "Ringing" });
    assert.deepEqual(parseSipfrag("SIP/2.0 200 OK\r\nContact: <sip:x@y>\r\n"), { statusCode: 200, reason: "OK" });
    assert.deepEqual(parseSipfrag("SIP/2.0 486"), { statusCode: 486, reason: "" });
    for (const junk of [undefined, "", "HTTP/1.1 200 OK", "SIP/2.0 99 Low", "SIP/2.0 700 High", "INVITE sip:a@b SIP/2.0"]) {
      assert.equal(parseSipfrag(junk), undefined, String(junk));
    }
  });

  it("goes none → transferring on start, stays transferring on 1xx, transferred on 2xx; later reports change nothing", () => {
    const seen: TransferView[] = [];
    const a = new TransferAttempt("t1", "c1", "blind", "sip:bob@x", undefined, (v) => seen.push(v));
    assert.equal(a.state, "none");
    a.start();
    a.report(100, "Trying");
    a.report(180, "Ringing");
    a.report(200, "OK");
    a.report(486, "Busy Here");
    a.fail("late");
    assert.deepEqual(seen.map((v) => [v.state, v.progress ?? null]), [
      ["transferring", null],
      ["transferring", 100],
      ["transferring", 180],
      ["transferred", 200],
    ]);
    assert.equal(a.view().error, undefined);
    assert.ok(a.view().endedAt! >= a.view().startedAt);
  });

  it("fails with the target's status in words", () => {
    const a = new TransferAttempt("t2", "c1", "blind", "sip:bob@x");
    a.start();
    a.report(486, "Busy Here");
    assert.equal(a.state, "failed");
    assert.equal(a.view().error, "target busy (486 Busy Here)");
    assert.equal(transferErrorFor(480, "Temporarily Unavailable"), "no answer from the target (480 Temporarily Unavailable)");
    assert.equal(transferErrorFor(404, "Not Found"), "target not found (404 Not Found)");
    assert.equal(transferErrorFor(503, ""), "the call to the target failed (503)");
  });

  it("fails once with a reason of its own (REFER refused, timeout)", () => {
    const a = new TransferAttempt("t3", "c1", "attended", "sip:carol@x", "c2");
    a.start();
    a.fail("the other party refused the transfer (REFER 403 Forbidden)");
    a.fail("second");
    assert.deepEqual({ state: a.view().state, error: a.view().error, targetCallId: a.view().targetCallId }, {
      state: "failed",
      error: "the other party refused the transfer (REFER 403 Forbidden)",
      targetCallId: "c2",
    });
  });

  it("makes voicemail addresses from the account's pattern, refusing users that are not plain names", () => {
    assert.equal(voicemailUri("sip:vm-{user}@{domain}", "bob", "pbx.example.com"), "sip:vm-bob@pbx.example.com");
    assert.equal(voicemailUri("sip:vm-{user}@{domain}", "sip:bob@elsewhere", "pbx.example.com"), "sip:vm-bob@pbx.example.com");
    assert.equal(voicemailUri("sip:voicemail@pbx.example.com", "bob", "x"), "sip:voicemail@pbx.example.com");
    assert.throws(() => voicemailUri("sip:vm-{user}@{domain}", "bob>;evil", "x"), /not a user name/);
  });
});
