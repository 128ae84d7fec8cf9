import assert from "node:assert/strict";
import { parseAccounts } from "../../src/accounts/accountConfig";
import { parseDialString, type DialContext, type DialParse, type DialTarget } from "../../src/calls/dialString";

const ctx: DialContext = { domain: "example.com" };

function ok(input: string, context = ctx): DialTarget {
  const result = parseDialString(input, context);
  if (!result.ok) assert.fail(`expected ${JSON.stringify(input)} to parse, got error: ${result.error}`);
  return result.target;
}

function err(input: string, context = ctx): string {
  const result: DialParse = parseDialString(input, context);
  if (result.ok) assert.fail(`expected ${JSON.stringify(input)} to fail, got ${JSON.stringify(result.target)}`);
  assert.ok(result.error.length > 10, "the error is a sentence");
  assert.match(result.error, /[.]$/, "the error ends like a sentence");
  return result.error;
}

describe("parseDialString", () => {
  describe("sip: and sips: URIs", () => {
    it("accepts a plain sip URI as typed", () => {
      assert.deepEqual(ok("sip:alice@example.org"), { kind: "sip", uri: "sip:alice@example.org", display: "alice@example.org" });
    });

    it("accepts sips with a port and shows the port", () => {
      assert.deepEqual(ok("sips:bob@secure.example.org:5061"), { kind: "sip", uri: "sips:bob@secure.example.org:5061", display: "bob@secure.example.org:5061" });
    });

    it("lower-cases the scheme but keeps the rest as typed", () => {
      assert.equal(ok("SIP:Alice@Example.org").uri, "sip:Alice@Example.org");
      assert.equal(ok("SiPs:alice@example.org").uri, "sips:alice@example.org");
    });

    it("keeps parameters and headers in the URI but not in the display", () => {
      const t = ok("sip:alice@example.org;transport=ws?subject=hi");
      assert.equal(t.uri, "sip:alice@example.org;transport=ws?subject=hi");
      assert.equal(t.display, "alice@example.org");
    });

    it("shows the host from the text even when a maddr parameter is present", () => {
      assert.equal(ok("sip:alice@example.org;maddr=10.0.0.1").display, "alice@example.org");
    });

    it("accepts a URI without a user part (e.g. a conference server)", () => {
      assert.deepEqual(ok("sip:conference.example.org"), { kind: "sip", uri: "sip:conference.example.org", display: "conference.example.org" });
    });

    it("accepts IPv4 and IPv6 hosts", () => {
      assert.equal(ok("sip:alice@192.0.2.1:5060").display, "alice@192.0.2.1:5060");
      assert.equal(ok("sip:alice@[2001:db8::1]:5060").display, "alice@[2001:db8::1]:5060");
    });

    it("accepts a telephone-number user part and shows it unescaped", () => {
      assert.equal(ok("sip:+15550100@example.org;user=phone").display, "+15550100@example.org");
      assert.equal(ok("sip:%2331%23@example.org").display, "#31#@example.org");
    });

    it("trims surrounding whitespace, including pasted newlines", () => {
      assert.equal(ok("  \tsip:alice@example.org \r\n").uri, "sip:alice@example.org");
    });

    for (const bad of ["sip:", "sip:alice@", "sip:@example.org", "sip:alice@exa mple.com", "sip:alice@-bad", "sip:alice@example.org>", "sip:<alice@example.org>", "sip:alicé@example.org", "sip:alice@@example.org"]) {
      it(`refuses ${JSON.stringify(bad)}, which sip.js can't parse`, () => {
        assert.match(err(bad), /is not a valid SIP address/);
      });
    }

    it("refuses a password in the URI", () => {
      assert.match(err("sip:alice:secret@example.org"), /password/);
    });

    it("refuses ports outside 1-65535 or missing after the colon", () => {
      assert.match(err("sip:alice@example.org:99999"), /port/);
      assert.match(err("sip:alice@example.org:0"), /port/);
      assert.match(err("sip:alice@example.org:"), /port/);
    });
  });

  describe("user@host without a scheme", () => {
    it("becomes a sip URI", () => {
      assert.deepEqual(ok("alice@example.org"), { kind: "sip", uri: "sip:alice@example.org", display: "alice@example.org" });
    });

    it("keeps a port", () => {
      assert.equal(ok("alice@example.org:5080").uri, "sip:alice@example.org:5080");
    });

    it("accepts a number as the user", () => {
      assert.equal(ok("1000@pbx.example.org").uri, "sip:1000@pbx.example.org");
    });

    it("explains errors in terms of what was typed (no invented sip:)", () => {
      const e = err("alice@");
      assert.match(e, /"alice@" is not a valid user@host address/);
      assert.doesNotMatch(e, /sip:/);
      assert.match(err("@example.org"), /user@host/);
      assert.match(err("al ice@example.org"), /user@host/);
    });
  });

  describe("bare user names", () => {
    for (const name of ["phone", "alice.smith", "sipp-busy", "alice_2", "Bob", "a", "o'brien", "x%41y"]) {
      it(`dials ${JSON.stringify(name)} on the account's domain`, () => {
        assert.deepEqual(ok(name), { kind: "user", uri: `sip:${name}@example.com`, display: name });
      });
    }

    it("uses the domain with its port", () => {
      assert.equal(ok("alice", { domain: "pbx.example.org:5080" }).uri, "sip:alice@pbx.example.org:5080");
    });

    it("refuses spaces inside a name", () => {
      assert.match(err("alice smith"), /can't contain spaces/);
    });

    it("refuses characters RFC 3261 doesn't allow in a user part", () => {
      assert.match(err("alice<bob"), /"<" isn't allowed in a user name/);
      assert.match(err("alice\"x"), /isn't allowed in a user name/);
      assert.match(err("ali#ce"), /"#" isn't allowed/);
    });

    it("refuses non-ASCII letters rather than sending something the server can't route", () => {
      assert.match(err("éric"), /"é" isn't allowed in a user name/);
      assert.match(err("алиса"), /isn't allowed in a user name/);
    });

    it("refuses a bad % escape", () => {
      assert.match(err("alice%zz"), /"%"/);
    });

    it("refuses names that don't start with a letter", () => {
      assert.match(err("_alice"), /start with a letter/);
      assert.match(err("!x"), /start with a letter/);
    });

    it("needs a default domain", () => {
      assert.match(err("alice", { domain: "" }), /no default domain/);
      assert.match(err("alice", { domain: "   " }), /no default domain/);
    });

    it("refuses an invalid default domain instead of building a broken URI", () => {
      assert.match(err("alice", { domain: "bad domain" }), /not a valid SIP host/);
      assert.match(err("alice", { domain: "x>y" }), /not a valid SIP host/);
    });
  });

  describe("phone numbers", () => {
    const cases: Array<[string, string]> = [
      ["+1 (555) 123-4567", "+15551234567"],
      ["555.123.4567", "5551234567"],
      ["0044 20 7946 0000", "00442079460000"],
      ["1000", "1000"],
      ["+44-20-7946-0000", "+442079460000"],
      ["(0)", "0"],
      ["  42  ", "42"],
    ];
    for (const [typed, number] of cases) {
      it(`normalises ${JSON.stringify(typed)} to ${number}`, () => {
        assert.deepEqual(ok(typed), { kind: "number", uri: `sip:${number}@example.com`, display: number });
      });
    }

    it("never adds user=phone", () => {
      assert.doesNotMatch(ok("+15550100").uri, /user=phone/);
    });

    it("keeps * and # for feature codes, escaping # in the URI", () => {
      assert.deepEqual(ok("*97"), { kind: "number", uri: "sip:*97@example.com", display: "*97" });
      assert.deepEqual(ok("#31#"), { kind: "number", uri: "sip:%2331%23@example.com", display: "#31#" });
      assert.deepEqual(ok("*72 555-0100"), { kind: "number", uri: "sip:*725550100@example.com", display: "*725550100" });
    });

    it("accepts other space characters people paste (no-break spaces)", () => {
      assert.equal(ok("+44\u00a020\u202f7946 0000").display, "+442079460000");
    });

    it("refuses a + that is not at the start", () => {
      assert.match(err("12+34"), /"\+" can only come first/);
      assert.match(err("++1555"), /"\+" can only come first/);
      assert.match(err("555 +1"), /"\+" can only come first/);
    });

    it("refuses letters mixed into a number", () => {
      assert.match(err("1-800-FLOWERS"), /mixes letters into a phone number/);
      assert.match(err("+1 555 CALL"), /mixes letters/);
      assert.match(err("(555) abc"), /mixes letters/);
      assert.match(err("2fa"), /user@host/, "points to the way to dial a digit-first user name");
    });

    it("refuses other symbols", () => {
      assert.match(err("555/0100"), /"\/" can't appear in a phone number/);
      assert.match(err("555_0100"), /"_" can't appear/);
      assert.match(err("555,0100"), /"," can't appear/);
    });

    it("refuses numbers without any digit", () => {
      assert.match(err("+"), /no digits/);
      assert.match(err("()-"), /no digits/);
      assert.match(err("*#"), /no digits/);
    });

    it("refuses full-width digits rather than guessing", () => {
      assert.match(err("１２３"), /can't appear in a phone number/);
    });

    it("needs a default domain", () => {
      assert.match(err("+15550100", { domain: "" }), /no default domain/);
    });
  });

  describe("tel: URIs", () => {
    // Decision: accepted by converting to a number dialled on the account's domain.
    it("converts tel:+number to a number on the default domain", () => {
      assert.deepEqual(ok("tel:+1-555-0100"), { kind: "number", uri: "sip:+15550100@example.com", display: "+15550100" });
      assert.equal(ok("TEL:5550100").uri, "sip:5550100@example.com");
    });

    it("refuses tel: parameters instead of silently dropping them", () => {
      assert.match(err("tel:+1555;ext=2"), /only plain numbers/);
      assert.match(err("tel:7042;phone-context=example.com"), /only plain numbers/);
    });

    it("refuses an empty or misplaced-plus tel:", () => {
      assert.match(err("tel:"), /no digits/);
      assert.match(err("tel:1+2"), /can only come first/);
    });
  });

  describe("other input", () => {
    it("refuses empty and whitespace-only input", () => {
      assert.match(err(""), /Nothing to dial/);
      assert.match(err("   \t\n"), /Nothing to dial/);
    });

    it("refuses control characters", () => {
      assert.match(err("alice\u0000"), /control characters/);
      assert.match(err("sip:alice@example.org\u0007"), /control characters/);
      assert.match(err("555\n0100"), /control characters/);
      assert.match(err("bob\u009b"), /control characters/);
      assert.match(err("\u007f"), /control characters/);
    });

    it("refuses anything longer than 256 characters", () => {
      assert.ok(parseDialString("a".repeat(256), ctx).ok);
      assert.match(err("a".repeat(257)), /too long/);
      assert.match(err("sip:" + "a".repeat(300) + "@example.org"), /too long/);
      assert.match(err("1".repeat(10_000)), /too long/);
    });

    it("allows up to 256 characters after trimming", () => {
      assert.ok(parseDialString(`   ${"a".repeat(256)}   `, ctx).ok);
    });

    it("refuses other schemes with a sentence naming them", () => {
      assert.match(err("http://example.org"), /"http:" addresses can't be dialled/);
      assert.match(err("mailto:alice@example.org"), /"mailto:"/);
      assert.match(err("xmpp:alice@example.org"), /sip:, sips: or tel:/);
    });

    it("does not echo a huge input back in full", () => {
      const e = err("12+" + "3".repeat(200));
      assert.ok(e.length < 200);
      const junk = err("<".repeat(255) + "x");
      assert.ok(junk.length < 200);
    });

    it("survives hostile non-string input from untyped callers", () => {
      for (const value of [undefined, null, 42, {}, ["sip:a@b"]]) {
        const result = parseDialString(value as unknown as string, ctx);
        assert.equal(result.ok, false);
      }
      const noCtx = parseDialString("alice", undefined as unknown as { domain: string });
      assert.equal(noCtx.ok, false);
    });

    it("never throws on odd Unicode", () => {
      for (const s of ["\u200b", "😀", "\ud800", "sip:😀@x", "+٣٣", "a\u0301"]) {
        const result = parseDialString(s, ctx);
        assert.equal(typeof result.ok, "boolean");
      }
    });
  });

  describe("with a dial plan", () => {
    const berlin: DialContext = { domain: "example.com", dialPlan: { countryCode: "DE", areaCode: "30" } };
    const inBerlin = (input: string) => ok(input, berlin);
    const failsInBerlin = (input: string) => err(input, berlin);

    for (const typed of ["+49 30 123456", "+4930123456", "004930123456", "0049 (30) 123-456", "030 123456", "030-123456", "123456", "12 34 56", "tel:+49-30-123456", "tel:+4930123456", "TEL:030-123456"]) {
      it(`${JSON.stringify(typed)} is +4930123456 (DE, area code 30)`, () => {
        assert.deepEqual(inBerlin(typed), { kind: "number", uri: "sip:+4930123456@example.com", display: "+4930123456" });
      });
    }

    it("with and without + reach the same URI (the international prefix stands for the +)", () => {
      assert.equal(inBerlin("+49 30 123456").uri, inBerlin("0049 30 123456").uri);
      assert.equal(inBerlin("+44 20 7946 0000").uri, inBerlin("0044 20 7946 0000").uri);
    });

    it("short internal extensions (up to 5 digits) stay as typed, also ones that start like a prefix", () => {
      for (const ext of ["201", "0", "00", "1000", "12345", "112", "03012"]) {
        assert.deepEqual(inBerlin(ext), { kind: "number", uri: `sip:${ext}@example.com`, display: ext }, ext);
      }
    });

    it("feature codes with * and # stay as typed", () => {
      assert.equal(inBerlin("*97").uri, "sip:*97@example.com");
      assert.equal(inBerlin("#31#0301234567").uri, "sip:%2331%230301234567@example.com");
    });

    it("foreign numbers via the country's own international prefix", () => {
      assert.equal(inBerlin("0044 20 7946 0000").uri, "sip:+442079460000@example.com");
      assert.equal(inBerlin("+44 20 7946 0000").uri, "sip:+442079460000@example.com");
      assert.equal(inBerlin("001 212 555 0100").uri, "sip:+12125550100@example.com");
    });

    it("a configured international prefix is read as well", () => {
      const plan: DialContext = { domain: "example.com", dialPlan: { countryCode: "DE", internationalPrefix: "000" } };
      assert.equal(ok("000 44 20 7946 0000", plan).uri, "sip:+442079460000@example.com");
      assert.equal(ok("0044 20 7946 0000", plan).uri, "sip:+442079460000@example.com", "the country's own still works");
    });

    it("a local number typed with the area code but without the trunk prefix is a local number (as dialled in Germany)", () => {
      assert.equal(inBerlin("30123456").uri, "sip:+493030123456@example.com");
    });

    it("without an area code, an unprefixed number is read as a national number (NANP 10-digit dialling)", () => {
      const us: DialContext = { domain: "example.com", dialPlan: { countryCode: "US" } };
      assert.equal(ok("(212) 555-0100", us).uri, "sip:+12125550100@example.com");
      assert.equal(ok("1 212 555 0100", us).uri, "sip:+12125550100@example.com");
      assert.equal(ok("011 49 30 123456", us).uri, "sip:+4930123456@example.com");
      assert.equal(ok("555 0100", { domain: "example.com", dialPlan: { countryCode: "US", areaCode: "212" } }).uri, "sip:+12125550100@example.com");
      assert.equal(ok("212 555 0100", { domain: "example.com", dialPlan: { countryCode: "US", areaCode: "212" } }).uri, "sip:+12125550100@example.com", "a full number that doesn't fit after the area code");
    });

    it("a country whose numbers keep their leading 0 (Italy: no trunk prefix)", () => {
      assert.equal(ok("06 1234 5678", { domain: "example.com", dialPlan: { countryCode: "IT" } }).uri, "sip:+390612345678@example.com");
    });

    it("the outbound prefix goes in front of the number as dialled from the country, never in front of extensions", () => {
      const pbx: DialContext = { domain: "example.com", dialPlan: { countryCode: "DE", areaCode: "30", outboundPrefix: "0" } };
      assert.deepEqual(ok("+49 30 123456", pbx), { kind: "number", uri: "sip:0030123456@example.com", display: "+4930123456" });
      assert.equal(ok("123456", pbx).uri, "sip:0030123456@example.com");
      assert.equal(ok("+44 20 7946 0000", pbx).uri, "sip:000442079460000@example.com");
      assert.equal(ok("201", pbx).uri, "sip:201@example.com");
      assert.equal(ok("*97", pbx).uri, "sip:*97@example.com");
      const idd: DialContext = { domain: "example.com", dialPlan: { countryCode: "DE", outboundPrefix: "9", internationalPrefix: "000" } };
      assert.equal(ok("+44 20 7946 0000", idd).uri, "sip:9000442079460000@example.com");
    });

    it("without a country only + and international-prefix numbers are completed", () => {
      const plan: DialContext = { domain: "example.com", dialPlan: { internationalPrefix: "00" } };
      assert.equal(ok("0049 30 123456", plan).uri, "sip:+4930123456@example.com");
      assert.equal(ok("030 123456", plan).uri, "sip:030123456@example.com");
      assert.equal(ok("+49 30 123456", { domain: "example.com", dialPlan: {} }).uri, "sip:+4930123456@example.com");
    });

    it("numbers that can't be phone numbers get a sentence naming how they were read", () => {
      assert.match(failsInBerlin("+49 1"), /"\+49 1" is too short for a phone number \(read as \+491\)\./);
      assert.match(failsInBerlin("+999 123 456"), /doesn't start with a country code that exists \(read as \+999123456\)/);
      assert.match(failsInBerlin("0049 12"), /too short for a phone number in Germany \(read as \+4912\)/);
      assert.match(failsInBerlin("1234567890123456789"), /too long for a phone number in Germany/);
      assert.match(failsInBerlin("+1 555 0100"), /too short/);
    });

    it("the checks before the dial plan still apply", () => {
      assert.match(failsInBerlin("tel:+49-30-123456;ext=1"), /only plain numbers/);
      assert.match(failsInBerlin("030 12+3456"), /can only come first/);
      assert.match(failsInBerlin("030 CALL ME"), /mixes letters/);
      assert.match(failsInBerlin("030,123456"), /"," can't appear/);
    });

    it("user names and sip: addresses are untouched", () => {
      assert.equal(inBerlin("alice").uri, "sip:alice@example.com");
      assert.equal(inBerlin("sip:030123456@other.example").uri, "sip:030123456@other.example");
      assert.equal(inBerlin("123456@other.example").uri, "sip:123456@other.example");
    });

    it("tolerates a malformed dial plan from an untyped caller", () => {
      for (const dialPlan of [null, "DE", { countryCode: "XX" }, { countryCode: 49, areaCode: ["30"] }, { outboundPrefix: "+0", internationalPrefix: "x" }]) {
        const result = parseDialString("030 123456", { domain: "example.com", dialPlan } as unknown as DialContext);
        assert.equal(typeof result.ok, "boolean");
      }
    });

    it("the plan from the account setting is what dialling uses", () => {
      const { accounts, errors } = parseAccounts([{ id: "a", server: "wss://x.example", uri: "sip:a@x.example", dialPlan: { countryCode: "de", areaCode: " 30 ", outboundPrefix: "" } }]);
      assert.deepEqual(errors, []);
      assert.deepEqual(accounts[0]!.dialPlan, { countryCode: "DE", areaCode: "30" });
      assert.equal(ok("123456", { domain: "x.example", dialPlan: accounts[0]!.dialPlan }).uri, "sip:+4930123456@x.example");
    });

    it("the account setting refuses a bad dial plan with one sentence per field, naming the setting", () => {
      const errorsOf = (dialPlan: unknown) => parseAccounts([{ id: "a", server: "wss://x.example", uri: "sip:a@x.example", dialPlan }]);
      assert.deepEqual(errorsOf("DE").errors, ['softphone.accounts[0].dialPlan: expected a dial plan object ({ "countryCode": "DE", ... }), got the text "DE".']);
      const bad = errorsOf({ countryCode: "Germany", outboundPrefix: "+0", internationalPrefix: 0, areaCode: "030 " + "1".repeat(10) });
      assert.equal(bad.accounts.length, 0, "the account is left out");
      assert.deepEqual(bad.errors, [
        'softphone.accounts[0].dialPlan.countryCode: "Germany" is not a two-letter country code (ISO 3166) the phone-number library knows, such as "DE" or "US".',
        'softphone.accounts[0].dialPlan.outboundPrefix: "+0" must be 1-8 digits (0-9, no spaces or "+"), such as "0".',
        "softphone.accounts[0].dialPlan.internationalPrefix: expected a string, got number 0.",
        'softphone.accounts[0].dialPlan.areaCode: "030 1111111111" must be 1-8 digits (0-9, no spaces or "+"), such as "30".',
      ]);
      assert.deepEqual(errorsOf({ countryCode: "XX" }).errors, ['softphone.accounts[0].dialPlan.countryCode: "XX" is not a two-letter country code (ISO 3166) the phone-number library knows, such as "DE" or "US".']);
      assert.deepEqual(errorsOf({ areaCode: "30", outboundPrefix: "0" }).errors, [
        "softphone.accounts[0].dialPlan.areaCode: needs softphone.accounts[0].dialPlan.countryCode (the country the area code belongs to).",
        "softphone.accounts[0].dialPlan.outboundPrefix: needs softphone.accounts[0].dialPlan.countryCode (numbers after the prefix are written as dialled from that country).",
      ]);
      assert.equal(errorsOf({}).accounts[0]!.dialPlan, undefined, "an empty plan is no plan");
    });
  });
});
