// 1:1 messages: the journal's records and how they fold (delivery states, unread, compaction that
// keeps every unread message), the store on disk, and how an incoming MESSAGE is answered —
// only after it is stored — with a stand-in sip.js Message.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserAgent, type Message } from "sip.js";
import { conversationsOf, foldMessages, keptMessageLines, parseMessageJournal, parseMessageRecord, formatMessageRecord, type MessageRecord } from "../../src/messages/messageJournal";
import { addressOfRecord, MessageService } from "../../src/messages/messageService";
import { MessageStore } from "../../src/messages/messageStore";
import { isComposingBody, readIsComposing } from "../../src/messages/isComposing";
import type { SipAccount } from "../../src/sip/sipAccount";

const msg = (id: string, direction: "in" | "out", at: number, peer = "sip:bob@example.com", text = `text ${id}`): MessageRecord => ({ op: "msg", m: { id, accountId: "alice", peer, direction, text, at } });

describe("message journal", () => {
  it("folds delivery states and unread counts into conversations, the latest first", () => {
    const records: MessageRecord[] = [
      msg("1", "out", 1000),
      { op: "state", id: "1", state: "failed", status: 480, reason: "Temporarily Unavailable", at: 1001 },
      { op: "state", id: "1", state: "delivered", at: 2000 },
      msg("2", "in", 3000),
      msg("3", "in", 4000),
      { op: "read", accountId: "alice", peer: "sip:bob@example.com", at: 3500 },
      msg("4", "in", 5000, "sip:carol@example.com"),
    ];
    const folded = foldMessages(records);
    assert.equal(folded.messages.get("1")!.state, "delivered");
    assert.equal(folded.messages.get("2")!.state, "received");
    const conversations = conversationsOf(folded);
    assert.deepEqual(conversations.map((c) => [c.peer, c.unread, c.last.id]), [["sip:carol@example.com", 1, "4"], ["sip:bob@example.com", 1, "3"]]);
  });

  it("skips junk, cut lines and records with absurd fields without failing", () => {
    const good = formatMessageRecord(msg("ok", "in", 10));
    const parsed = parseMessageJournal(['{"op":"msg","m":{"id":"cut"', "garbage", JSON.stringify({ op: "msg", m: { id: "x", accountId: "a", peer: "p", direction: "sideways", text: "t", at: 1 } }), JSON.stringify({ op: "state", id: "ok", state: "lost", at: 1 }), JSON.stringify({ op: "msg", m: { id: "t", accountId: "a", peer: "p", direction: "in", text: "t", at: 1e300 } }), good].join("\n"));
    assert.deepEqual(parsed.map((p) => p.line), [good]);
    assert.equal(parseMessageRecord("x".repeat(200 * 1024)), undefined);
  });

  it("compaction keeps the newest per conversation and every unread message, however old", () => {
    const records: MessageRecord[] = [];
    for (let i = 1; i <= 10; i++) records.push(msg(`b${i}`, "in", i * 1000));
    records.push({ op: "read", accountId: "alice", peer: "sip:bob@example.com", at: 5500 }); // b1..b5 read, b6..b10 unread
    const parsed = parseMessageJournal(records.map(formatMessageRecord).join(""));
    const kept = parseMessageJournal(keptMessageLines(parsed, 2).join(""));
    const ids = kept.flatMap((p) => (p.record.op === "msg" ? [p.record.m.id] : []));
    assert.deepEqual(ids, ["b6", "b7", "b8", "b9", "b10"], "the 5 unread stay although only 2 per conversation are kept");
    assert.equal(conversationsOf(foldMessages(kept.map((p) => p.record)))[0].unread, 5, "and they are still unread");
  });
});

describe("MessageStore and incoming MESSAGEs", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "messages-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const account = { id: "alice", config: { uri: "sip:alice@example.com" }, connected: true } as unknown as SipAccount;
  const log = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

  /** A stand-in for sip.js's Message: records the answer, and what the journal held at that moment. */
  function incoming(body: string, contentType = "text/plain", from = "sip:bob@Example.COM:5080;transport=ws", displayName = "Bob \u202Eevil") {
    const answers: Array<{ status: number; storedLines: number }> = [];
    const lines = () => {
      try {
        return readFileSync(join(dir, "messages.jsonl"), "utf8").split("\n").filter(Boolean).length;
      } catch {
        return 0;
      }
    };
    const message = {
      request: { body, getHeader: (h: string) => (h === "Content-Type" ? contentType : undefined), from: { uri: UserAgent.makeURI(from)!, displayName } },
      accept: async () => void answers.push({ status: 200, storedLines: lines() }),
      reject: async (o: { statusCode: number }) => void answers.push({ status: o.statusCode, storedLines: lines() }),
    } as unknown as Message;
    return { message, answers };
  }

  it("stores a message before answering 200, keyed by the sender's address of record, its name cleaned", async () => {
    const service = new MessageService({ store: new MessageStore(dir), account: () => account, log });
    const { message, answers } = incoming("hello <b>there</b>");
    await service.incoming(account, message);
    assert.deepEqual(answers, [{ status: 200, storedLines: 1 }], "the 200 went out once the message was on disk");
    const [c] = await service.conversations();
    assert.equal(c.peer, "sip:bob@example.com");
    assert.equal(c.peerName, "Bob evil");
    assert.equal(c.last.text, "hello <b>there</b>");
    assert.equal(c.unread, 1);
  });

  it("refuses other types with 415 and absurd sizes with 413, storing nothing; a store that fails answers 500", async () => {
    const service = new MessageService({ store: new MessageStore(dir), account: () => account, log });
    const html = incoming("<b>x</b>", "text/html");
    await service.incoming(account, html.message);
    const huge = incoming("z".repeat(33 * 1024));
    await service.incoming(account, huge.message);
    assert.deepEqual([html.answers[0].status, huge.answers[0].status], [415, 413]);
    assert.deepEqual(await service.conversations(), []);
    const broken = new MessageService({ store: new MessageStore(join(dir, "no-such-file-here", "\0bad")), account: () => account, log });
    const lost = incoming("will not be stored");
    await broken.incoming(account, lost.message);
    assert.equal(lost.answers[0].status, 500, "the sender learns it was not delivered");
  });

  it("refuses to send what is empty or longer than 2048 characters, before anything is stored", async () => {
    const service = new MessageService({ store: new MessageStore(dir), account: () => account, log });
    await assert.rejects(service.send("bob", "  "), /empty/);
    await assert.rejects(service.send("bob", "y".repeat(2049)), /2049 characters; at most 2048/);
    assert.deepEqual(await service.conversations(), []);
  });

  it("names a peer by scheme, user and host only", () => {
    assert.equal(addressOfRecord(UserAgent.makeURI("sip:Bob@PBX.example:5060;transport=tcp")!), "sip:Bob@pbx.example");
    assert.equal(addressOfRecord(UserAgent.makeURI("sips:carol@pbx.example")!), "sips:carol@pbx.example");
  });
});

describe("is-composing notices (RFC 3994)", () => {
  it("reads what we write, and a refresh caps how long typing lasts", () => {
    assert.deepEqual(readIsComposing(isComposingBody(true, 60)), { active: true, seconds: 60 });
    assert.equal(readIsComposing(isComposingBody(false))?.active, false);
    assert.equal(readIsComposing('<isComposing><state>active</state><refresh>99999</refresh></isComposing>')?.seconds, 120);
  });

  it("ignores what is not a notice", () => {
    assert.equal(readIsComposing("hello"), undefined);
    assert.equal(readIsComposing("<isComposing><state>sleeping</state></isComposing>"), undefined);
    assert.equal(readIsComposing(`<isComposing>${"x".repeat(5000)}<state>active</state></isComposing>`), undefined);
  });
});
