import assert from "node:assert/strict";
import { assertedIdentity, callerIdentity, remoteParty } from "../../src/calls/remoteParty";

describe("assertedIdentity (P-Asserted-Identity, RFC 3325)", () => {
  it("reads a name-addr with a quoted display name", () => {
    assert.deepEqual(assertedIdentity('"Front Desk" <sip:+4930555111@127.0.0.1>'), { uri: "sip:+4930555111@127.0.0.1", displayName: "Front Desk" });
  });

  it("reads an unquoted display name, parameters and no display name", () => {
    assert.deepEqual(assertedIdentity("Front Desk <sip:desk@pbx.example>"), { uri: "sip:desk@pbx.example", displayName: "Front Desk" });
    assert.deepEqual(assertedIdentity("<sip:+4930555111@pbx.example;user=phone>"), { uri: "sip:+4930555111@pbx.example;user=phone" });
    assert.deepEqual(assertedIdentity('"A" <sips:a@pbx.example:5061>;x=y'), { uri: "sips:a@pbx.example:5061", displayName: "A" });
  });

  it("reads a bare addr-spec", () => {
    assert.deepEqual(assertedIdentity("sip:desk@pbx.example"), { uri: "sip:desk@pbx.example" });
  });

  it("prefers the sip: URI of a sip + tel pair, and takes the name from either", () => {
    assert.deepEqual(assertedIdentity('<tel:+4930555111>, "Front Desk" <sip:+4930555111@pbx.example>'), { uri: "sip:+4930555111@pbx.example", displayName: "Front Desk" });
    assert.deepEqual(assertedIdentity('"Front Desk" <tel:+4930555111>, <sip:+4930555111@pbx.example>'), { uri: "sip:+4930555111@pbx.example", displayName: "Front Desk" });
  });

  it("uses a tel: URI when it is the only one", () => {
    assert.deepEqual(assertedIdentity('"Front Desk" <tel:+49-30-555111>'), { uri: "tel:+49-30-555111", displayName: "Front Desk" });
    assert.deepEqual(assertedIdentity("TEL:+4930555111"), { uri: "tel:+4930555111" });
    assert.equal(assertedIdentity("<tel:desk>"), undefined, "a tel: URI needs a number");
  });

  it("keeps a comma inside a quoted display name", () => {
    assert.deepEqual(assertedIdentity('"Desk, Front" <sip:desk@pbx.example>'), { uri: "sip:desk@pbx.example", displayName: "Desk, Front" });
  });

  it("unescapes quoted-pairs in the display name", () => {
    assert.equal(assertedIdentity('"The \\"Desk\\"" <sip:desk@pbx.example>')?.displayName, 'The "Desk"');
  });

  it("gives undefined for a missing, empty, malformed or oversized header", () => {
    for (const value of [undefined, null, 42, {}, "", "   ", "garbage", '"x" <sip:a@b', "<http://evil.example>", "mailto:a@b", `"${"x".repeat(2000)}" <sip:a@b>`]) {
      assert.equal(assertedIdentity(value), undefined, JSON.stringify(value)?.slice(0, 40));
    }
  });

  it("never throws on odd input", () => {
    for (const value of ["\u0000", "<>", ",,,", '"', "\\", "<sip:", "tel:", "<tel:+1>>", "😀 <sip:a@b>", "a".repeat(1024), "<".repeat(1024), "tel:+" + "1(".repeat(500)]) {
      assert.doesNotThrow(() => assertedIdentity(value));
    }
  });
});

describe("callerIdentity (who is shown for an incoming call)", () => {
  it("prefers the asserted identity over From", () => {
    assert.deepEqual(callerIdentity('"Front Desk" <sip:+4930555111@127.0.0.1>', "sip:mallory@evil.example", "Mallory"), ["sip:+4930555111@127.0.0.1", "Front Desk"]);
  });

  it("keeps From's name when the asserted identity has none", () => {
    assert.deepEqual(callerIdentity("<sip:+4930555111@127.0.0.1>", "sip:desk@127.0.0.1", "Desk"), ["sip:+4930555111@127.0.0.1", "Desk"]);
  });

  it("falls back to From without a usable header", () => {
    assert.deepEqual(callerIdentity(undefined, "sip:bob@example.com", "Bob"), ["sip:bob@example.com", "Bob"]);
    assert.deepEqual(callerIdentity("garbage", "sip:bob@example.com", undefined), ["sip:bob@example.com", undefined]);
  });

  it("an asserted name is as untrusted as any other: remoteParty still cleans it", () => {
    const party = remoteParty(...callerIdentity('"Bank\u202eknaB\u200b [x](command:evil)" <sip:+4930555111@127.0.0.1>', "sip:x@y"));
    assert.deepEqual(party, { uri: "sip:+4930555111@127.0.0.1", displayName: "BankknaB [x](command:evil)" });
    // Control characters are not allowed in a quoted display name: the header is unusable, From is shown.
    assert.deepEqual(callerIdentity('"Bank\u0007" <sip:+4930555111@127.0.0.1>', "sip:x@y", "X"), ["sip:x@y", "X"]);
  });
});
