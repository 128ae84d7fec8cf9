import assert from "node:assert/strict";
import { cleanText, neutralizeLinks, partyLabel, remoteParty } from "../../src/calls/remoteParty";

describe("remoteParty (display names are attacker-controlled)", () => {
  it("removes control and bidi-override characters that could disguise a caller", () => {
    assert.equal(cleanText("Bob\u202Eevil\u202C\u0007\n Smith"), "Bobevil Smith");
    assert.equal(cleanText("\u200Bzero\u200Dwidth\uFEFF"), "zerowidth");
  });

  it("caps the length and accepts only strings", () => {
    assert.equal(cleanText("x".repeat(500)).length, 64);
    assert.equal(cleanText(undefined), "");
    assert.equal(cleanText({ toString: () => "x" }), "");
  });

  it("drops an empty display name and labels by user@host", () => {
    assert.deepEqual(remoteParty("sip:bob@example.com", " \u0000 "), { uri: "sip:bob@example.com" });
    assert.equal(partyLabel(remoteParty("sip:bob@example.com", "Bob")), "Bob (bob@example.com)");
    assert.equal(partyLabel({ uri: "sips:bob@example.com" }), "bob@example.com");
  });

  it("breaks link syntax so a name cannot plant a link or command in a notification", () => {
    const name = "[click](command:workbench.action.quit) and [x] (y) and [a]  (https://e.vil)";
    const out = neutralizeLinks(name);
    assert.ok(!/\]\(/.test(out), out);
    assert.equal(out, "[click] (command:workbench.action.quit) and [x] (y) and [a] (https://e.vil)");
    assert.equal(neutralizeLinks("Bob <b>"), "Bob <b>", "other text is shown unchanged");
  });
});
