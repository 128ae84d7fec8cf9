// Auto-answer hints and decisions: pure logic, plain Node.
import assert from "node:assert/strict";
import { answerAfterHint, autoAnswerDelay } from "../../src/calls/autoAnswer";

describe("answerAfterHint", () => {
  it("reads Call-Info answer-after (Asterisk, FreeSWITCH, Snom, Yealink)", () => {
    assert.equal(answerAfterHint({ callInfo: ["<sip:pbx.example.com>;answer-after=0"] }), 0);
    assert.equal(answerAfterHint({ callInfo: [";answer-after=2"] }), 2);
    assert.equal(answerAfterHint({ callInfo: ['<sip:x>; Answer-After = "5"'] }), 5);
  });

  it("reads Polycom's and others' Alert-Info", () => {
    assert.equal(answerAfterHint({ alertInfo: ["<http://www.notused.com>;info=alert-autoanswer;delay=2"] }), 2);
    assert.equal(answerAfterHint({ alertInfo: ["<http://x>;info=alert-autoanswer"] }), 0);
    assert.equal(answerAfterHint({ alertInfo: [";answer-after=3"] }), 3);
    assert.equal(answerAfterHint({ alertInfo: ["Auto Answer"] }), 0);
  });

  it("ignores other Call-Info and Alert-Info values, and parameters inside the URI", () => {
    assert.equal(answerAfterHint({}), undefined);
    assert.equal(answerAfterHint({ callInfo: ["<http://example.com/photo.jpg>;purpose=icon"] }), undefined);
    assert.equal(answerAfterHint({ alertInfo: ["<http://example.com/ring.wav>"] }), undefined);
    assert.equal(answerAfterHint({ callInfo: ["<sip:x;answer-after=0>"] }), undefined, "a parameter of the URI is not a header parameter");
    assert.equal(answerAfterHint({ alertInfo: ["<http://x>;info=alert-internal"] }), undefined);
  });

  it("caps a hint at 60 s and ignores one that is not a number", () => {
    assert.equal(answerAfterHint({ callInfo: [";answer-after=99999"] }), 60);
    assert.equal(answerAfterHint({ callInfo: [";answer-after=soon"] }), undefined);
    assert.equal(answerAfterHint({ callInfo: [";answer-after=-1"] }), undefined);
  });
});

describe("autoAnswerDelay", () => {
  it("never answers on an account without auto-answer, whatever the caller asks", () => {
    assert.equal(autoAnswerDelay(undefined, { hint: 0, busy: false }), undefined);
  });

  it("always: every call, after the account's delay or the caller's hint", () => {
    assert.equal(autoAnswerDelay("always", { hint: undefined, busy: false }), 0);
    assert.equal(autoAnswerDelay("always", { hint: undefined, delaySeconds: 3, busy: false }), 3);
    assert.equal(autoAnswerDelay("always", { hint: 1, delaySeconds: 3, busy: false }), 1);
  });

  it("hinted: only a call that asks to be answered", () => {
    assert.equal(autoAnswerDelay("hinted", { hint: undefined, busy: false }), undefined);
    assert.equal(autoAnswerDelay("hinted", { hint: 0, busy: false }), 0);
  });

  it("not while another call is in progress (the call rings as call waiting)", () => {
    assert.equal(autoAnswerDelay("always", { hint: 0, busy: true }), undefined);
  });
});
