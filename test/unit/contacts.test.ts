// Contacts as the setting holds them: checked entry by entry (a broken one named by its path and
// skipped), saved without duplicates, and found again by address.
import assert from "node:assert/strict";
import { contactFor, parseContacts, rawWithContact, rawWithoutContact, savedContact, withContact } from "../../src/contacts/contactList";

describe("contacts", () => {
  it("keeps good entries and names what is wrong with the others", () => {
    const { contacts, errors } = parseContacts([
      { name: " Bob ", address: "sip:bob@example.com", group: "Support" },
      { name: "Desk", address: "201" },
      { name: "", address: "x" },
      { name: "No address" },
      { name: "Bad", address: "sip:@@" },
      { name: "Evil\u202E", address: "1" },
      "just text",
      { name: "G", address: "2", group: 5 },
    ]);
    assert.deepEqual(contacts, [{ name: "Bob", address: "sip:bob@example.com", group: "Support" }, { name: "Desk", address: "201" }]);
    assert.deepEqual(errors, [
      "softphone.contacts[2].name: a contact needs a name.",
      "softphone.contacts[3].address: a contact needs an address (a number, a user name or a sip: address).",
      'softphone.contacts[4].address: "sip:@@" is not a valid sip: address.',
      "softphone.contacts[5].name: at most 64 characters, no control characters.",
      'softphone.contacts[6]: expected a contact object ({ "name": …, "address": … }).',
      "softphone.contacts[7].group: text of at most 64 characters.",
    ]);
    assert.deepEqual(parseContacts({ not: "a list" }).errors, ['softphone.contacts: expected a list of contacts ([{ "name": …, "address": … }]).']);
    assert.deepEqual(parseContacts(undefined), { contacts: [], errors: [] });
  });

  it("saves one entry per address (a new name replaces the old), sorted by name", () => {
    const list = withContact(withContact([], { name: "Zed", address: "sip:z@x" }), { name: "Amy", address: "sip:a@x" });
    assert.deepEqual(list.map((c) => c.name), ["Amy", "Zed"]);
    assert.deepEqual(withContact(list, { name: "Zoe", address: "SIP:Z@X" }).map((c) => c.name), ["Amy", "Zoe"]);
    assert.deepEqual(withContact(list, { name: "Zoe", address: " sip:z@x " }).map((c) => c.name), ["Amy", "Zoe"], "spaces around an address do not make a second entry");
    assert.equal(savedContact(list, " SIP:A@X ")?.name, "Amy", "the saved entry is found as written, in any case");
    assert.equal(savedContact(list, "sip:a@x;transport=ws"), undefined, "saved entries are matched as written, not parsed");
  });

  it("finds a contact by address: the same user and host, or a bare user at any host", () => {
    const list = [{ name: "Bob", address: "sip:bob@pbx.example" }, { name: "Desk", address: "201" }];
    assert.equal(contactFor(list, "sip:bob@PBX.example:5060;transport=ws")?.name, "Bob");
    assert.equal(contactFor(list, "sip:201@other.example")?.name, "Desk");
    assert.equal(contactFor(list, "sip:bob@elsewhere.example"), undefined);
  });

  it("saving into the setting's raw list replaces in place (also under a new address), appends a new one, and keeps unreadable entries", () => {
    const raw = [{ name: "Ann", address: "ann" }, "junk", { name: "No address" }, { name: "Bob", address: "BOB", extra: 1 }];
    assert.deepEqual(rawWithContact(raw, { name: "Bobby", address: "bob" }), [{ name: "Ann", address: "ann" }, "junk", { name: "No address" }, { name: "Bobby", address: "bob" }]);
    assert.deepEqual(rawWithContact(raw, { name: "Ann B", address: "sip:ann@x", group: "Work" }, "ann"), [{ name: "Ann B", address: "sip:ann@x", group: "Work" }, "junk", { name: "No address" }, { name: "Bob", address: "BOB", extra: 1 }]);
    assert.deepEqual(rawWithContact("not a list", { name: "Cy", address: "cy" }), [{ name: "Cy", address: "cy" }]);
    assert.deepEqual(rawWithContact([{ name: "A", address: "a" }, { name: "B", address: "b" }], { name: "A2", address: "b" }, "a"), [{ name: "A2", address: "b" }], "renaming onto an existing address leaves one entry");
    assert.deepEqual(rawWithoutContact(raw, " bob "), [{ name: "Ann", address: "ann" }, "junk", { name: "No address" }]);
  });
});
