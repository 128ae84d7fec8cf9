import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import {
  KEEP_UNFINISHED_MS,
  MAX_LINE_LENGTH,
  type HistoryStart,
  type JournalRecord,
  checkEnd,
  checkId,
  checkStart,
  checkTime,
  countLines,
  foldCalls,
  formatRecord,
  keptLines,
  parseJournal,
  parseRecord,
  toEntry,
} from "../../src/history/journal";

const NONE: ReadonlySet<string> = new Set();

function start(id: string, startedAt: number, uri = `sip:${id}@example.com`): HistoryStart {
  return { id, accountId: "acc", direction: "outgoing", remote: { uri }, startedAt };
}

/** Journal text for `records`, one line each, as the store writes them. */
function text(...records: JournalRecord[]): string {
  return records.map(formatRecord).join("");
}

/** The three records of a complete answered call started at `t`. */
function whole(id: string, t: number): JournalRecord[] {
  return [
    { op: "start", entry: start(id, t) },
    { op: "answer", id, at: t + 1000 },
    { op: "end", id, endedAt: t + 3000, outcome: "answered", status: 200, reason: "ended-local" },
  ];
}

describe("history journal", () => {
  describe("formatRecord / parseRecord", () => {
    it("writes one line per record, which reads back as the same record", () => {
      const records: JournalRecord[] = [
        { op: "start", entry: { ...start("c1", 1), remote: { uri: "sip:bob@example.com", displayName: "Bob" } } },
        { op: "answer", id: "c1", at: 2 },
        { op: "end", id: "c1", endedAt: 3, outcome: "failed", status: 503, reason: "unavailable" },
        { op: "end", id: "c2", endedAt: 3, outcome: "missed" },
      ];
      for (const record of records) {
        const line = formatRecord(record);
        assert.ok(line.endsWith("\n"));
        assert.equal(line.indexOf("\n"), line.length - 1, "exactly one newline, at the end");
        assert.deepEqual(parseRecord(line.slice(0, -1)), record);
      }
    });

    it("drops fields that aren't part of the format when parsing", () => {
      const parsed = parseRecord('{"op":"start","entry":{"id":"c1","accountId":"a","direction":"incoming","remote":{"uri":"sip:x@y","t":1},"startedAt":1,"x":2},"y":3}');
      assert.deepEqual(parsed, { op: "start", entry: { id: "c1", accountId: "a", direction: "incoming", remote: { uri: "sip:x@y" }, startedAt: 1 } });
    });

    it("refuses malformed records", () => {
      for (const line of [
        "",
        "junk",
        "null",
        "[]",
        "5",
        '{"op":"answer","id":"","at":1}',
        '{"op":"answer","id":"c1","at":"1"}',
        '{"op":"end","id":"c1","endedAt":1,"outcome":"interrupted-ish"}',
        '{"op":"end","id":"c1","endedAt":1,"outcome":"failed","status":700}',
        '{"op":"end","id":"c1","endedAt":1,"outcome":"failed","reason":"boredom"}',
        '{"op":"start","entry":{"id":"c1","accountId":"a","direction":"incoming","remote":{"uri":"sip:x@y","displayName":5},"startedAt":1}}',
        '{"op":"rename","id":"c1"}',
      ]) {
        assert.equal(parseRecord(line), undefined, line);
      }
    });

    it("refuses timestamps no Date can hold (they would break every view that formats them)", () => {
      // new Date(t).toISOString() throws a RangeError beyond ±8.64e15 ms: one such record in the
      // journal used to take the whole sidebar down.
      for (const t of [1e300, 8.64e15 + 1, -1, -8.64e15 - 1]) {
        const start = `{"op":"start","entry":{"id":"c1","accountId":"a","direction":"incoming","remote":{"uri":"sip:x@y"},"startedAt":${t}}}`;
        assert.equal(parseRecord(start), undefined, start);
        assert.equal(parseRecord(`{"op":"answer","id":"c1","at":${t}}`), undefined);
        assert.equal(parseRecord(`{"op":"end","id":"c1","endedAt":${t},"outcome":"failed"}`), undefined);
      }
      assert.throws(() => checkTime(1e300, "at"), TypeError);
      assert.ok(parseRecord(`{"op":"answer","id":"c1","at":${Date.UTC(2026, 0, 1)}}`), "ordinary times still parse");
    });
  });

  describe("parseJournal", () => {
    it("keeps each record's line, newline included, and counts skipped lines", () => {
      const good = text(...whole("c1", 1));
      const journal = parseJournal("junk\n" + good + '{"op":"start","entry":{"id":"cut');
      assert.equal(journal.skipped, 2);
      assert.equal(journal.records.length, 3);
      assert.equal(journal.records.map((r) => r.line).join(""), good);
    });

    it("ignores blank lines and tolerates Windows line endings", () => {
      const journal = parseJournal("\n  \n" + text(...whole("c1", 1)).replace(/\n/g, "\r\n") + "\n\n");
      assert.equal(journal.skipped, 0);
      assert.deepEqual(
        journal.records.map((r) => r.record.op),
        ["start", "answer", "end"],
      );
    });

    it("skips over-long lines without parsing them, even valid ones", () => {
      const long = formatRecord({ op: "start", entry: start("c1", 1, "sip:" + "x".repeat(MAX_LINE_LENGTH)) }).slice(0, -1);
      assert.ok(parseRecord(long), "the line itself is a valid record");
      assert.deepEqual(parseJournal(long + "\n"), { records: [], skipped: 1 });
    });
  });

  describe("foldCalls", () => {
    it("lists calls newest first, ties broken by journal order (later first)", () => {
      const calls = foldCalls(parseJournal(text(...whole("old", 1), ...whole("mid", 5), ...whole("new", 9), ...whole("mid-later", 5))).records);
      assert.deepEqual(
        calls.map((c) => c.start.id),
        ["new", "mid-later", "mid", "old"],
      );
    });

    it("uses the first start, answer and end of an id and ignores ids that never started", () => {
      const calls = foldCalls(
        parseJournal(
          text(
            { op: "answer", id: "ghost", at: 1 },
            { op: "end", id: "ghost", endedAt: 2, outcome: "failed" },
            { op: "start", entry: start("c1", 10, "sip:first@x") },
            { op: "start", entry: start("c1", 90, "sip:second@x") },
            { op: "answer", id: "c1", at: 20 },
            { op: "answer", id: "c1", at: 30 },
            { op: "end", id: "c1", endedAt: 40, outcome: "answered" },
            { op: "end", id: "c1", endedAt: 50, outcome: "failed" },
          ),
        ).records,
      );
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.start.remote.uri, "sip:first@x");
      assert.equal(calls[0]!.answeredAt, 20);
      assert.equal(calls[0]!.end?.endedAt, 40);
    });

    it("handles ids that are Object.prototype names", () => {
      const ids = ["__proto__", "constructor", "toString", "hasOwnProperty"];
      const calls = foldCalls(parseJournal(text(...ids.flatMap((id) => whole(id, 1)))).records);
      assert.equal(calls.length, 4);
      assert.ok(calls.every((c) => c.end?.outcome === "answered"));
    });
  });

  describe("toEntry", () => {
    const [call] = foldCalls(parseJournal(text(...whole("c1", 1000))).records);

    it("turns a complete call into an entry with its duration", () => {
      assert.deepEqual(toEntry(call!, NONE), {
        id: "c1",
        accountId: "acc",
        direction: "outgoing",
        remote: { uri: "sip:c1@example.com" },
        startedAt: 1000,
        answeredAt: 2000,
        endedAt: 4000,
        durationSec: 2,
        outcome: "answered",
        status: 200,
        reason: "ended-local",
      });
    });

    it("doesn't share the remote object with the folded call", () => {
      const entry = toEntry(call!, NONE);
      entry.remote.uri = "changed";
      assert.equal(call!.start.remote.uri, "sip:c1@example.com");
    });

    it("rounds the duration and never makes it negative", () => {
      const fold = (answeredAt: number, endedAt: number) =>
        toEntry(foldCalls(parseJournal(text({ op: "start", entry: start("c", 0) }, { op: "answer", id: "c", at: answeredAt }, { op: "end", id: "c", endedAt, outcome: "answered" })).records)[0]!, NONE);
      assert.equal(fold(1000, 61_400).durationSec, 60);
      assert.equal(fold(1000, 61_600).durationSec, 61);
      assert.equal(fold(9000, 6000).durationSec, 0);
    });

    it("marks an unended call interrupted unless it is still running", () => {
      const [open] = foldCalls(parseJournal(text({ op: "start", entry: start("c1", 1) }, { op: "answer", id: "c1", at: 2 })).records);
      const interrupted = toEntry(open!, NONE);
      assert.equal(interrupted.outcome, "interrupted");
      assert.equal(interrupted.answeredAt, 2);
      assert.equal(interrupted.endedAt, undefined);
      assert.equal(interrupted.durationSec, 0);
      const running = toEntry(open!, new Set(["c1"]));
      assert.equal("outcome" in running, false);
    });
  });

  describe("keptLines", () => {
    it("keeps every record of the newest calls, in journal order, without duplicates", () => {
      const records = parseJournal(
        text(...whole("c0", 0), ...whole("c1", 1), { op: "answer", id: "c2", at: 5 }, ...whole("c2", 2), { op: "end", id: "c2", endedAt: 9, outcome: "failed" }),
      ).records;
      const kept = keptLines(records, 2, NONE, 1_000_000);
      assert.deepEqual(
        kept.map((l) => {
          const r = JSON.parse(l) as { op: string; id?: string; entry?: { id: string } };
          return `${r.op} ${r.entry?.id ?? r.id}`;
        }),
        ["start c1", "answer c1", "end c1", "answer c2", "start c2", "end c2"],
      );
      assert.ok(kept.every((l) => l.endsWith("\n")));
    });

    it("keeps the original lines byte for byte", () => {
      const journal = '{"entry":{"startedAt":1,"id":"c1","accountId":"a","direction":"incoming","remote":{"uri":"sip:x@y"}},"op":"start"}\n';
      assert.deepEqual(keptLines(parseJournal(journal).records, 10, NONE, 0), [journal]);
    });

    it("keeps unfinished calls beyond maxEntries if running here or young, up to maxEntries / 4", () => {
      const now = 10 * KEEP_UNFINISHED_MS;
      const records = parseJournal(
        text(
          { op: "start", entry: start("ancient-running", 0) },
          { op: "start", entry: start("ancient-crash", 1) },
          { op: "start", entry: start("young-1", now - 3) },
          { op: "start", entry: start("young-2", now - 2) },
          ...Array.from({ length: 8 }, (_, i) => whole(`c${i}`, now + i)).flat(),
        ),
      ).records;
      const keptIds = (maxEntries: number) => new Set(keptLines(records, maxEntries, new Set(["ancient-running"]), now).map((l) => (JSON.parse(l) as { entry?: { id: string } }).entry?.id).filter((id) => id !== undefined));
      // maxEntries 8: allowance 2, taken by the newest unfinished calls (young-2, young-1).
      assert.deepEqual([...keptIds(8)].sort(), ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "young-1", "young-2"]);
      // maxEntries 4 → allowance 1.
      assert.deepEqual([...keptIds(4)].sort(), ["c4", "c5", "c6", "c7", "young-2"]);
      // maxEntries 3 → allowance 0.
      assert.deepEqual([...keptIds(3)].sort(), ["c5", "c6", "c7"]);
      // maxEntries 10 → allowance 2 for the two ancient calls: the one running here stays, the one
      // older than KEEP_UNFINISHED_MS and not running is dropped.
      assert.deepEqual([...keptIds(10)].sort(), ["ancient-running", "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "young-1", "young-2"]);
    });
  });

  describe("countLines", () => {
    it("counts non-blank lines, corrupt ones included", () => {
      assert.equal(countLines(""), 0);
      assert.equal(countLines("\n \n\r\n"), 0);
      assert.equal(countLines("a\n\nb\r\nc"), 3);
    });
  });

  describe("input checks", () => {
    it("copies only the documented fields of a start", () => {
      const e = { ...start("c1", 1), secret: "x", remote: { uri: "sip:a@b", displayName: "A", token: "y" } };
      assert.deepEqual(checkStart(e), { id: "c1", accountId: "acc", direction: "outgoing", remote: { uri: "sip:a@b", displayName: "A" }, startedAt: 1 });
    });

    it("builds an end record, leaving out undefined optional fields", () => {
      assert.deepEqual(checkEnd("c1", { endedAt: 2, outcome: "failed", status: undefined, reason: undefined }), { op: "end", id: "c1", endedAt: 2, outcome: "failed" });
      assert.deepEqual(checkEnd("c1", { endedAt: 2, outcome: "busy", status: 486, reason: "busy" }), { op: "end", id: "c1", endedAt: 2, outcome: "busy", status: 486, reason: "busy" });
    });

    it("throws TypeError for what could not be read back", () => {
      assert.throws(() => checkStart(null as never), TypeError);
      assert.throws(() => checkStart({ ...start("c1", 1), direction: "sideways" as never }), TypeError);
      assert.throws(() => checkEnd("c1", { endedAt: 1, outcome: "failed", status: 99 }), TypeError);
      assert.throws(() => checkEnd("c1", { endedAt: 1, outcome: "exploded" as never }), TypeError);
      assert.throws(() => checkId(""), TypeError);
      assert.throws(() => checkId(5), TypeError);
      assert.throws(() => checkTime(Infinity, "at"), TypeError);
      assert.doesNotThrow(() => checkTime(0, "at"));
    });
  });

  it("is pure: no file system, no vscode", function () {
    const source = path.resolve(__dirname, "../../../src/history/journal.ts");
    assert.ok(existsSync(source), `source file to check is missing: ${source}`);
    const code = readFileSync(source, "utf8");
    assert.doesNotMatch(code, /from\s+["'](node:)?fs(\/promises)?["']/);
    assert.doesNotMatch(code, /from\s+["']vscode["']/);
  });
});
