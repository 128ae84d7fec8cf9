import assert from "node:assert/strict";
import { cleanText, neutralizeLinks, partyLabel, remoteParty, safeUiText, withoutIconSyntax } from "../../src/calls/remoteParty";

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

  it("keeps icon syntax ($(name)) from drawing icons in notifications, quick picks and the status bar", () => {
    assert.equal(withoutIconSyntax("$(alert) Bank $(sync~spin)"), "alert Bank sync~spin");
    assert.equal(withoutIconSyntax("costs $(5"), "costs $ (5");
    assert.equal(withoutIconSyntax("US$ 5 (approx.)"), "US$ 5 (approx.)");
  });

  it("one sanitiser for outside text on its way to VS Code UI: no links, no icons, no control or bidi characters, bounded", () => {
    const out = safeUiText("\u202e[x](command:a) $(alert)\u0007 " + "y".repeat(500), 120);
    assert.ok(!/\]\(/.test(out) && !/\$\(/.test(out) && !/[\u202a-\u202e\u0000-\u001f]/.test(out), out);
    assert.ok(out.length <= 120);
    assert.equal(safeUiText(undefined), "");
  });
});
