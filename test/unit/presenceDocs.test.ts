// Presence documents (presenceDocs.ts): the PIDF we publish, contacts' PIDF and dialog-info as
// Kamailio sends them (aggregated tuples, namespaces, a dialog per call), one lamp from both, and
// hostile or broken XML read as "we don't know" without throwing.
import assert from "node:assert/strict";
import { lampOf, pidfFor, readDialogInfo, readPidf } from "../../src/presence/presenceDocs";

const KAMAILIO_PIDF = `<?xml version="1.0"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:bob@127.0.0.1">
  <tuple xmlns="urn:ietf:params:xml:ns:pidf" id="0x7f"><status><basic>closed</basic></status></tuple>
  <tuple id="softphone"><status><basic>open</basic></status></tuple>
  <dm:person id="me"><rpid:activities><rpid:on-the-phone/></rpid:activities><dm:note>On the phone</dm:note></dm:person>
</presence>`;

describe("presence documents", () => {
  it("our PIDF reads back as what we said, for each state; the entity is escaped", () => {
    assert.deepEqual(readPidf(pidfFor("sip:alice@example.com", "available")), { open: true, note: "Available" });
    assert.equal(readPidf(pidfFor("sip:alice@example.com", "on-the-phone"))?.activity, "on-the-phone");
    assert.equal(readPidf(pidfFor("sip:alice@example.com", "dnd"))?.activity, "busy");
    assert.equal(readPidf(pidfFor("sip:alice@example.com", "away"))?.activity, "away");
    assert.ok(pidfFor('sip:"x"<y>@e', "available").includes("entity=\"sip:&#34;x&#34;&#60;y&#62;@e\""));
  });

  it("reads an aggregated PIDF (one tuple open is open) with its activity and note", () => {
    assert.deepEqual(readPidf(KAMAILIO_PIDF), { open: true, activity: "on-the-phone", note: "On the phone" });
    assert.deepEqual(readPidf(KAMAILIO_PIDF.replace("<basic>open</basic>", "<basic>closed</basic>").replace(/<dm:person[\s\S]*<\/dm:person>/, "")), { open: false });
  });

  it("reads dialog-info: confirmed is busy, early toward them is ringing, none is idle", () => {
    const doc = (dialogs: string) => `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:phone@127.0.0.1">${dialogs}</dialog-info>`;
    assert.equal(readDialogInfo(doc("")), "idle");
    assert.equal(readDialogInfo(doc('<dialog id="a" direction="recipient"><state>early</state></dialog>')), "ringing");
    assert.equal(readDialogInfo(doc('<dialog id="a" direction="initiator"><state>early</state></dialog>')), "busy");
    assert.equal(readDialogInfo(doc('<dialog id="a"><state>terminated</state></dialog><dialog id="b"><state>confirmed</state></dialog>')), "busy");
    assert.equal(readDialogInfo(doc('<dialog id="a"><state>terminated</state></dialog>')), "idle");
  });

  it("one lamp: a call wins, then do not disturb and away, then open or closed; nothing known is unknown", () => {
    assert.equal(lampOf({ open: true }, "busy"), "busy");
    assert.equal(lampOf({ open: true }, "ringing"), "ringing");
    assert.equal(lampOf({ open: true, activity: "on-the-phone" }, "idle"), "busy");
    assert.equal(lampOf({ open: true, activity: "busy" }, "idle"), "dnd");
    assert.equal(lampOf({ open: true, activity: "away" }, undefined), "away");
    assert.equal(lampOf({ open: true }, "idle"), "idle");
    assert.equal(lampOf({ open: false }, "idle"), "offline");
    assert.equal(lampOf(null, undefined), "offline");
    assert.equal(lampOf(undefined, undefined), "unknown");
  });

  it("broken, hostile and huge XML is 'unknown', never a throw or an expanded entity", () => {
    const billion = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><presence><tuple><status><basic>&lol2;</basic></status></tuple></presence>`;
    assert.equal(readPidf(billion)?.open, false, "entities are not expanded into 'open'");
    for (const junk of ["", "<presence", "not xml at all", "<a><b></a>", "<presence>" + "x".repeat(70 * 1024) + "</presence>"]) {
      assert.doesNotThrow(() => readPidf(junk));
      assert.doesNotThrow(() => readDialogInfo(junk));
    }
    assert.equal(readPidf("<other/>"), undefined);
    assert.equal(readDialogInfo("<presence/>"), undefined);
    const note = readPidf(`<presence><tuple><status><basic>open</basic></status></tuple><person><note>${"n".repeat(5000)}</note></person></presence>`)?.note;
    assert.equal(note?.length, 200, "a long note is cut");
  });
});
