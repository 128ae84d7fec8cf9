import assert from "node:assert/strict";
import { domainOf, parseAccounts, type AccountConfig } from "../../src/accounts/accountConfig";

const minimal = { id: "office", server: "wss://sip.example.com/ws", uri: "sip:alice@example.com" };

function single(account: unknown): { account?: AccountConfig; errors: string[] } {
  const { accounts, errors } = parseAccounts([account]);
  return { account: accounts[0], errors };
}

function onlyError(account: unknown): string {
  const { account: parsed, errors } = single(account);
  assert.equal(parsed, undefined, "the account is left out");
  assert.equal(errors.length, 1, `exactly one error, got ${JSON.stringify(errors)}`);
  return errors[0]!;
}

describe("parseAccounts", () => {
  describe("a valid account", () => {
    it("fills in defaults: label = id, register = true", () => {
      assert.deepEqual(parseAccounts([minimal]), {
        accounts: [{ id: "office", label: "office", server: "wss://sip.example.com/ws", uri: "sip:alice@example.com", register: true }],
        errors: [],
      });
    });

    it("keeps every documented field", () => {
      const full = {
        ...minimal,
        label: "Office line",
        authorizationUsername: "alice-auth",
        displayName: "Alice",
        register: false,
        iceServers: [{ urls: "stun:stun.example.com:3478" }, { urls: ["turn:turn.example.com", "turns:turn.example.com:5349"], username: "u", credential: "c" }],
      };
      const { account, errors } = single(full);
      assert.deepEqual(errors, []);
      assert.deepEqual(account, full);
    });

    it("ignores unknown fields", () => {
      const { account, errors } = single({ ...minimal, colour: "blue", nested: { a: 1 } });
      assert.deepEqual(errors, []);
      assert.deepEqual(Object.keys(account!).sort(), ["id", "label", "register", "server", "uri"]);
    });

    it("accepts ws:// and sips: URIs with ports", () => {
      const { account, errors } = single({ id: "lab", server: "ws://127.0.0.1:8080", uri: "sips:1000@10.0.0.1:5061" });
      assert.deepEqual(errors, []);
      assert.equal(account!.server, "ws://127.0.0.1:8080");
    });

    it("trims surrounding whitespace of required fields", () => {
      const { account } = single({ id: " office ", server: " wss://x.example ", uri: " sip:a@b.example " });
      assert.deepEqual([account!.id, account!.server, account!.uri], ["office", "wss://x.example", "sip:a@b.example"]);
    });

    it("falls back to the id for a blank label and drops a blank displayName", () => {
      const { account } = single({ ...minimal, label: "  ", displayName: "" });
      assert.equal(account!.label, "office");
      assert.equal("displayName" in account!, false);
    });

    it("does not share objects with the raw setting", () => {
      const raw = { ...minimal, iceServers: [{ urls: ["stun:a.example"] }] };
      const { account } = single(raw);
      (raw.iceServers[0]!.urls as string[]).push("stun:evil.example");
      assert.deepEqual(account!.iceServers, [{ urls: ["stun:a.example"] }]);
    });

    it("accepts ids of 1 and 64 characters from the allowed set", () => {
      assert.deepEqual(single({ ...minimal, id: "a" }).errors, []);
      assert.deepEqual(single({ ...minimal, id: "A-z_0.9".padEnd(64, "x") }).errors, []);
    });
  });

  describe("the setting itself", () => {
    it("treats an absent setting as no accounts, silently", () => {
      assert.deepEqual(parseAccounts(undefined), { accounts: [], errors: [] });
    });

    it("reports one error for anything that isn't a list", () => {
      for (const raw of [null, {}, "x", 42, true, { 0: minimal, length: 1 }]) {
        const result = parseAccounts(raw);
        assert.deepEqual(result.accounts, []);
        assert.equal(result.errors.length, 1, JSON.stringify(raw));
        assert.match(result.errors[0]!, /^softphone\.accounts: expected a list/);
      }
    });

    it("accepts an empty list", () => {
      assert.deepEqual(parseAccounts([]), { accounts: [], errors: [] });
    });

    it("reports entries that aren't objects by index", () => {
      const { accounts, errors } = parseAccounts([null, "office", 3, [minimal], minimal]);
      assert.equal(accounts.length, 1);
      assert.deepEqual(
        errors.map((e) => e.split(":")[0]),
        ["softphone.accounts[0]", "softphone.accounts[1]", "softphone.accounts[2]", "softphone.accounts[3]"],
      );
      assert.match(errors[3]!, /got a list/);
    });

    it("keeps valid accounts when another one is broken", () => {
      const { accounts, errors } = parseAccounts([minimal, { id: "bad", server: "http://x", uri: "sip:b@x.example" }, { ...minimal, id: "home" }]);
      assert.deepEqual(accounts.map((a) => a.id), ["office", "home"]);
      assert.deepEqual(errors, ['softphone.accounts[1].server: "http://x" is not a ws:// or wss:// URL.']);
    });

    it("reports every problem of one account, not just the first", () => {
      const { errors } = parseAccounts([{ id: "", server: "nope", uri: "tel:123" }]);
      assert.equal(errors.length, 3);
      assert.ok(errors.some((e) => e.startsWith("softphone.accounts[0].id:")));
      assert.ok(errors.some((e) => e.startsWith("softphone.accounts[0].server:")));
      assert.ok(errors.some((e) => e.startsWith("softphone.accounts[0].uri:")));
    });
  });

  describe("id", () => {
    it("is required", () => {
      assert.equal(onlyError({ server: minimal.server, uri: minimal.uri }), "softphone.accounts[0].id: is required.");
      assert.equal(onlyError({ ...minimal, id: null }), "softphone.accounts[0].id: is required.");
      assert.equal(onlyError({ ...minimal, id: "" }), "softphone.accounts[0].id: is required but empty.");
      assert.equal(onlyError({ ...minimal, id: "   " }), "softphone.accounts[0].id: is required but empty.");
    });

    it("must be a string", () => {
      assert.equal(onlyError({ ...minimal, id: 7 }), "softphone.accounts[0].id: expected a string, got number 7.");
      assert.match(onlyError({ ...minimal, id: ["a"] }), /got a list/);
    });

    for (const bad of ["has space", "semi;colon", "ümlaut", "slash/", "x".repeat(65), "new\nline"]) {
      it(`refuses ${JSON.stringify(bad.length > 20 ? bad.slice(0, 20) + "…" : bad)}`, () => {
        assert.match(onlyError({ ...minimal, id: bad }), /^softphone\.accounts\[0\]\.id: .* must be 1-64 characters/);
      });
    }

    it("must be unique: the later duplicate is reported and left out", () => {
      const { accounts, errors } = parseAccounts([minimal, { ...minimal, uri: "sip:bob@example.com" }]);
      assert.deepEqual(accounts.map((a) => a.uri), ["sip:alice@example.com"]);
      assert.deepEqual(errors, ['softphone.accounts[1].id: "office" is already used by softphone.accounts[0]; account ids must be unique.']);
    });

    it("counts an id as taken even when its first account is invalid for another reason", () => {
      const { accounts, errors } = parseAccounts([{ ...minimal, server: "http://x" }, minimal]);
      assert.deepEqual(accounts, []);
      assert.equal(errors.length, 2);
      assert.match(errors[1]!, /^softphone\.accounts\[1\]\.id: "office" is already used by softphone\.accounts\[0\]/);
    });

    it("compares ids after trimming, and case-sensitively", () => {
      assert.equal(parseAccounts([minimal, { ...minimal, id: " office" }]).errors.length, 1);
      assert.equal(parseAccounts([minimal, { ...minimal, id: "Office" }]).errors.length, 0);
    });

    it("reports each later duplicate against the first", () => {
      const { accounts, errors } = parseAccounts([minimal, minimal, minimal]);
      assert.equal(accounts.length, 1);
      assert.deepEqual(errors.map((e) => e.slice(0, e.indexOf(":"))), ["softphone.accounts[1].id", "softphone.accounts[2].id"]);
    });
  });

  describe("server", () => {
    it("is required", () => {
      assert.equal(onlyError({ id: "a", uri: minimal.uri }), "softphone.accounts[0].server: is required.");
    });

    for (const bad of ["http://x", "https://sip.example.com", "sip.example.com", "wss//x", "ws:", "wss://", "file:///tmp/x", "ws://exa mple.com"]) {
      it(`refuses ${JSON.stringify(bad)}`, () => {
        assert.equal(onlyError({ ...minimal, server: bad }), `softphone.accounts[0].server: ${JSON.stringify(bad)} is not a ws:// or wss:// URL.`);
      });
    }

    it("refuses credentials in the URL without echoing them", () => {
      const e = onlyError({ ...minimal, server: "wss://alice:hunter2@sip.example.com" });
      assert.match(e, /must not contain a user name or password/);
      assert.doesNotMatch(e, /hunter2/);
    });

    it("must be a string", () => {
      assert.match(onlyError({ ...minimal, server: { url: "wss://x" } }), /server: expected a string, got an object/);
    });

    it("quotes long junk shortened", () => {
      const e = onlyError({ ...minimal, server: "x".repeat(5000) });
      assert.ok(e.length < 200);
    });
  });

  describe("uri", () => {
    it("is required", () => {
      assert.equal(onlyError({ id: "a", server: minimal.server }), "softphone.accounts[0].uri: is required.");
    });

    for (const bad of ["alice@example.com", "sip:example.com", "tel:+15550100", "sip:alice@", "sip:@example.com", "http://example.com", "sip:al ice@example.com", "sip:alice@example.com>"]) {
      it(`refuses ${JSON.stringify(bad)}`, () => {
        assert.match(onlyError({ ...minimal, uri: bad }), /^softphone\.accounts\[0\]\.uri: .* is not a sip: or sips: URI with a user and a host/);
      });
    }
  });

  describe("optional fields", () => {
    it("refuses a non-boolean register", () => {
      assert.equal(onlyError({ ...minimal, register: "yes" }), 'softphone.accounts[0].register: expected true or false, got the text "yes".');
      assert.match(onlyError({ ...minimal, register: 1 }), /got number 1/);
    });

    it("refuses non-string label, displayName and authorizationUsername", () => {
      assert.match(onlyError({ ...minimal, label: 5 }), /^softphone\.accounts\[0\]\.label: expected a string/);
      assert.match(onlyError({ ...minimal, displayName: {} }), /^softphone\.accounts\[0\]\.displayName: expected a string/);
      assert.match(onlyError({ ...minimal, authorizationUsername: false }), /^softphone\.accounts\[0\]\.authorizationUsername: expected a string/);
    });

    it("treats explicitly undefined optional fields as absent", () => {
      const { account, errors } = single({ ...minimal, label: undefined, register: undefined, iceServers: undefined });
      assert.deepEqual(errors, []);
      assert.equal(account!.register, true);
    });
  });

  describe("iceServers", () => {
    it("must be a list", () => {
      assert.match(onlyError({ ...minimal, iceServers: { urls: "stun:x" } }), /^softphone\.accounts\[0\]\.iceServers: expected a list/);
      assert.match(onlyError({ ...minimal, iceServers: null }), /iceServers: expected a list of ICE servers \(\[\.\.\.\]\), got null/);
    });

    it("accepts an empty list", () => {
      assert.deepEqual(single({ ...minimal, iceServers: [] }).account!.iceServers, []);
    });

    it("names the entry and the url that is wrong", () => {
      assert.equal(
        onlyError({ ...minimal, iceServers: [{ urls: "stun:ok.example" }, { urls: ["turn:ok.example", "http://bad"] }] }),
        'softphone.accounts[0].iceServers[1].urls[1]: "http://bad" must start with stun:, turn: or turns: and name a server.',
      );
      assert.match(onlyError({ ...minimal, iceServers: [{ urls: "stun:" }] }), /iceServers\[0\]\.urls: "stun:" must start with/);
    });

    it("accepts schemes in any case", () => {
      assert.deepEqual(single({ ...minimal, iceServers: [{ urls: "STUN:x.example" }] }).errors, []);
    });

    it("refuses missing, empty or non-string urls", () => {
      assert.match(onlyError({ ...minimal, iceServers: [{}] }), /iceServers\[0\]\.urls: expected a stun:\/turn:\/turns: URL/);
      assert.match(onlyError({ ...minimal, iceServers: [{ urls: [] }] }), /non-empty list/);
      assert.match(onlyError({ ...minimal, iceServers: [{ urls: [42] }] }), /iceServers\[0\]\.urls\[0\]: expected a string, got number 42/);
    });

    it("refuses entries that aren't objects and non-string credentials", () => {
      assert.match(onlyError({ ...minimal, iceServers: ["stun:x.example"] }), /iceServers\[0\]: expected an ICE server object/);
      assert.match(onlyError({ ...minimal, iceServers: [{ urls: "turn:x.example", credential: 123 }] }), /iceServers\[0\]\.credential: expected a string/);
    });
  });

  describe("password", () => {
    it("is reported, pointing to the Set Password command, but the account is still accepted", () => {
      const { accounts, errors } = parseAccounts([{ ...minimal, password: "hunter2" }]);
      assert.equal(accounts.length, 1);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, /^softphone\.accounts\[0\]\.password: /);
      assert.match(errors[0]!, /"Softphone: Set Password"/);
      assert.match(errors[0]!, /SecretStorage/);
    });

    it("is never copied or echoed", () => {
      const { accounts, errors } = parseAccounts([{ ...minimal, password: "hunter2" }]);
      assert.doesNotMatch(JSON.stringify(accounts), /hunter2|password/);
      assert.doesNotMatch(errors.join(" "), /hunter2/);
    });

    it("is never read, not even through a getter", () => {
      const account: Record<string, unknown> = { ...minimal };
      Object.defineProperty(account, "password", {
        enumerable: true,
        get() {
          throw new Error("the password was read");
        },
      });
      const { accounts, errors } = parseAccounts([account]);
      assert.equal(accounts.length, 1);
      assert.equal(errors.length, 1);
    });

    it("is reported even when empty or not a string", () => {
      assert.equal(parseAccounts([{ ...minimal, password: "" }]).errors.length, 1);
      assert.equal(parseAccounts([{ ...minimal, password: null }]).errors.length, 1);
    });

    it("is reported alongside the errors of an invalid account", () => {
      const { accounts, errors } = parseAccounts([{ id: "x", password: "p" }]);
      assert.equal(accounts.length, 0);
      assert.equal(errors.length, 3);
    });
  });

  describe("hostile input", () => {
    it("ignores inherited properties (a polluted prototype supplies nothing)", () => {
      const inherited = Object.create({ id: "ghost", server: "wss://x.example", uri: "sip:a@x.example", password: "p" });
      const { accounts, errors } = parseAccounts([inherited]);
      assert.deepEqual(accounts, []);
      assert.equal(errors.length, 3);
      assert.ok(errors.every((e) => e.endsWith("is required.")));
    });

    it("survives __proto__ keys from JSON", () => {
      const raw = JSON.parse('[{"id":"a","server":"wss://x.example","uri":"sip:a@x.example","__proto__":{"register":false}}]');
      const { accounts, errors } = parseAccounts(raw);
      assert.deepEqual(errors, []);
      assert.equal(accounts[0]!.register, true);
      assert.equal(({} as Record<string, unknown>).register, undefined);
    });

    it("handles big lists", () => {
      const raw = Array.from({ length: 2000 }, (_, i) => ({ ...minimal, id: `a${i}` }));
      const { accounts, errors } = parseAccounts(raw);
      assert.equal(accounts.length, 2000);
      assert.deepEqual(errors, []);
    });

    it("handles sparse arrays and odd values", () => {
      // eslint-disable-next-line no-sparse-arrays
      const { accounts, errors } = parseAccounts([, minimal, Symbol("x"), () => 1, 10n]);
      assert.equal(accounts.length, 1);
      assert.equal(errors.length, 4);
    });
  });
  describe("auto-answer", () => {
    it("keeps always / hinted and the delay; off or empty means off", () => {
      assert.deepEqual(single({ ...minimal, autoAnswer: "always", autoAnswerDelaySeconds: 3 }).account?.autoAnswer, "always");
      assert.equal(single({ ...minimal, autoAnswer: "always", autoAnswerDelaySeconds: 3 }).account?.autoAnswerDelaySeconds, 3);
      assert.equal(single({ ...minimal, autoAnswer: "hinted" }).account?.autoAnswer, "hinted");
      assert.equal(single({ ...minimal, autoAnswer: "off" }).account?.autoAnswer, undefined);
      assert.equal(single({ ...minimal, autoAnswer: "" }).account?.autoAnswer, undefined);
    });

    it("refuses an unknown mode or a delay that is not 0-60 whole seconds, naming the field", () => {
      assert.match(onlyError({ ...minimal, autoAnswer: "yes" }), /softphone\.accounts\[0\]\.autoAnswer: "yes" must be "off", "always" or "hinted"/);
      assert.match(onlyError({ ...minimal, autoAnswer: true }), /autoAnswer: expected a string, got boolean/);
      assert.match(onlyError({ ...minimal, autoAnswerDelaySeconds: 61 }), /autoAnswerDelaySeconds: 61 must be a whole number of seconds from 0 to 60/);
      assert.match(onlyError({ ...minimal, autoAnswerDelaySeconds: 1.5 }), /autoAnswerDelaySeconds/);
      assert.match(onlyError({ ...minimal, autoAnswerDelaySeconds: "2" }), /autoAnswerDelaySeconds: expected a number, got the text "2"/);
    });
  });
  describe("room dial-in", () => {
    it("marks an account whose calls are phone callers for rooms; anything but true leaves it a phone", () => {
      assert.equal(single({ ...minimal, roomDialIn: true }).account?.roomDialIn, true);
      assert.equal(single({ ...minimal, roomDialIn: false }).account?.roomDialIn, undefined);
      assert.match(onlyError({ ...minimal, roomDialIn: "yes" }), /roomDialIn: expected true or false/);
    });
  });
});

describe("domainOf", () => {
  const cases: Array<[string, string]> = [
    ["sip:alice@example.com", "example.com"],
    ["sips:alice@example.com:5061", "example.com:5061"],
    ["sip:alice@10.0.0.1:5060;transport=ws", "10.0.0.1:5060"],
    ["sip:alice@[2001:db8::1]:5060", "[2001:db8::1]:5060"],
    ["sip:alice@example.com?subject=x", "example.com"],
    ["sip:alice@example.com;maddr=10.0.0.9", "example.com"],
    ["sip:example.com", "example.com"],
    ["  sip:alice@example.com  ", "example.com"],
    ["SIP:alice@Example.com", "Example.com"],
  ];
  for (const [uri, domain] of cases) {
    it(`${JSON.stringify(uri)} → ${JSON.stringify(domain)}`, () => assert.equal(domainOf(uri), domain));
  }

  it("returns an empty string for anything that isn't a SIP URI", () => {
    for (const bad of ["", "alice@example.com", "tel:+1555", "sip:", "http://example.com", "sip:alice@", null, undefined, 42]) {
      assert.equal(domainOf(bad as unknown as string), "", String(bad));
    }
  });
});
