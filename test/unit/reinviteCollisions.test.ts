// sip.js's refusals to send a re-INVITE, read from its error messages (sip.js 0.21): which mean
// "try again shortly", and which of those left an offer to roll back.
import assert from "node:assert/strict";
import { unsentReinvite } from "../../src/sip/reinviteCollisions";

describe("unsentReinvite", () => {
  it("an open dialog transaction after our offer was made: the offer must be rolled back", () => {
    assert.equal(unsentReinvite(new Error("There is an ongoing re-INVITE server transaction.")), "offer-made");
    assert.equal(unsentReinvite(new Error("There is an ongoing re-INVITE client transaction.")), "offer-made");
  });

  it("our previous re-INVITE still pending: nothing was made", () => {
    assert.equal(unsentReinvite(new Error("Reinvite in progress. Please wait until complete, then try again.")), "not-started");
  });

  it("anything else is a real failure", () => {
    assert.equal(unsentReinvite(new Error("Invalid session state Terminated")), undefined);
    assert.equal(unsentReinvite("call window disconnected"), undefined);
  });
});
