import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { exited, nextMessage } from "../support/workers";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { HistoryStore, type HistoryStoreOptions } from "../../src/history/historyStore";
import type { CallDirection, HistoryEntry } from "../../src/protocol/model";

// This file doubles as the child process of the cross-process tests: esbuild bundles it together
// with the store into one self-contained file, so running that bundle in another process runs
// the very same code without any loader tricks. The environment variable selects the worker's
// role. The bundle is copied to a temporary directory first: out/test is wiped by every
// `build.mjs --tests`, and a rebuild running while these tests do must not pull the file away.
const WORKER_ROLE = "HISTORY_STORE_TEST_WORKER";
const WORKER_CONFIG = "HISTORY_STORE_TEST_CONFIG";

interface WorkerConfig {
  dir: string;
  prefix?: string;
  calls?: number;
  options?: HistoryStoreOptions;
  lockPath?: string;
}

if (process.env[WORKER_ROLE]) {
  void runWorker(process.env[WORKER_ROLE]!, JSON.parse(process.env[WORKER_CONFIG] ?? "{}") as WorkerConfig);
} else {
  describeHistoryStore();
}

async function runWorker(role: string, config: WorkerConfig): Promise<void> {
  try {
    if (role === "hold-lock") {
      // What a window killed while appending leaves behind: the lock directory and nothing else.
      await mkdir(config.lockPath!);
      process.send!({ type: "locked" });
      setInterval(() => undefined, 60_000);
      return;
    }
    const store = new HistoryStore(config.dir, config.options);
    process.send!({ type: "ready" });
    await new Promise<void>((resolve) => process.once("message", () => resolve()));
    for (let i = 0; i < config.calls!; i++) {
      const id = `${config.prefix}-${i}`;
      // Real time, as in production: compaction then sees in-flight calls as the newest ones.
      const startedAt = Date.now();
      await store.recordStart({ id, accountId: config.prefix!, direction: i % 2 ? "incoming" : "outgoing", remote: { uri: `sip:${id}@example.com` }, startedAt });
      await store.recordAnswer(id, startedAt + 1000);
      await store.recordEnd(id, { endedAt: startedAt + 3000, outcome: "answered", status: 200, reason: "ended-local" });
    }
    process.send!({ type: "done" }, () => process.disconnect());
  } catch (err) {
    process.send!({ type: "error", message: String((err as Error)?.stack ?? err) }, () => process.exit(1));
  }
}

function startWorker(script: string, role: string, config: WorkerConfig): ChildProcess {
  return fork(script, [], {
    env: { ...process.env, [WORKER_ROLE]: role, [WORKER_CONFIG]: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function call(id: string, startedAt: number, direction: CallDirection = "outgoing", uri = `sip:${id}@example.com`) {
  return { id, accountId: "acc", direction, remote: { uri }, startedAt };
}

/** A complete answered call: start at `t`, answer 1 s later, end 60.4 s after the answer. */
async function completeCall(store: HistoryStore, id: string, t: number, uri?: string): Promise<void> {
  await store.recordStart(call(id, t, "outgoing", uri));
  await store.recordAnswer(id, t + 1000);
  await store.recordEnd(id, { endedAt: t + 61_400, outcome: "answered", status: 200, reason: "ended-local" });
}

async function journalLines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
}

function describeHistoryStore(): void {
  // Read now, while mocha is loading this very file, so later rebuilds can't take it away.
  const bundle = readFileSync(__filename);

  describe("HistoryStore", () => {
    let dir: string;
    let workerDir: string;
    let workerScript: string;
    const children: ChildProcess[] = [];

    before(async () => {
      workerDir = await mkdtemp(path.join(os.tmpdir(), "softphone-history-worker-"));
      workerScript = path.join(workerDir, "worker.js");
      await writeFile(workerScript, bundle);
    });

    after(async () => {
      await rm(workerDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "softphone-history-"));
    });

    afterEach(async () => {
      for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    });

    describe("recording and reading", () => {
      it("reads back a complete answered call with its duration", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1_000_000);
        assert.deepEqual(await store.list(), [
          {
            id: "c1",
            accountId: "acc",
            direction: "outgoing",
            remote: { uri: "sip:c1@example.com" },
            startedAt: 1_000_000,
            answeredAt: 1_001_000,
            endedAt: 1_061_400,
            durationSec: 60,
            outcome: "answered",
            status: 200,
            reason: "ended-local",
          },
        ] satisfies HistoryEntry[]);
      });

      it("keeps the remote display name", async () => {
        const store = new HistoryStore(dir);
        await store.recordStart({ ...call("c1", 1), remote: { uri: "sip:bob@example.com", displayName: "Bob" } });
        assert.deepEqual((await store.list())[0]!.remote, { uri: "sip:bob@example.com", displayName: "Bob" });
      });

      it("records an unanswered call with duration 0 and no answeredAt", async () => {
        const store = new HistoryStore(dir);
        await store.recordStart(call("c1", 5000, "incoming"));
        await store.recordEnd("c1", { endedAt: 9000, outcome: "missed", status: 487, reason: "cancelled" });
        const [entry] = await store.list();
        assert.equal(entry!.durationSec, 0);
        assert.equal(entry!.answeredAt, undefined);
        assert.equal(entry!.outcome, "missed");
        assert.equal(entry!.status, 487);
      });

      it("never reports a negative duration for clocks that went backwards", async () => {
        const store = new HistoryStore(dir);
        await store.recordStart(call("c1", 5000));
        await store.recordAnswer("c1", 9000);
        await store.recordEnd("c1", { endedAt: 6000, outcome: "answered" });
        assert.equal((await store.list())[0]!.durationSec, 0);
      });

      it("shows a call running in this instance without an outcome", async () => {
        const store = new HistoryStore(dir);
        await store.recordStart(call("c1", 1));
        await store.recordAnswer("c1", 2);
        const [entry] = await store.list();
        assert.equal(entry!.outcome, undefined);
        assert.equal(entry!.answeredAt, 2);
        assert.equal(entry!.endedAt, undefined);
      });

      it("lists newest first, breaking ties by the order calls were recorded", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "old", 1000);
        await completeCall(store, "new", 9000);
        await completeCall(store, "mid", 5000);
        await completeCall(store, "mid-later", 5000);
        assert.deepEqual((await store.list()).map((e) => e.id), ["new", "mid-later", "mid", "old"]);
      });

      it("limits the list", async () => {
        const store = new HistoryStore(dir);
        for (let i = 0; i < 5; i++) await completeCall(store, `c${i}`, i * 1000);
        assert.deepEqual((await store.list(2)).map((e) => e.id), ["c4", "c3"]);
        assert.deepEqual(await store.list(0), []);
        assert.deepEqual(await store.list(-3), []);
        assert.equal((await store.list(2.7)).length, 2);
        assert.equal((await store.list(NaN)).length, 5);
      });

      it("returns at most maxEntries by default", async () => {
        const store = new HistoryStore(dir, { maxEntries: 3 });
        for (let i = 0; i < 5; i++) await completeCall(store, `c${i}`, i * 1000);
        assert.deepEqual((await store.list()).map((e) => e.id), ["c4", "c3", "c2"]);
        assert.equal((await store.list(10)).length, 5, "an explicit limit may go further until compaction");
      });

      it("reads an empty history when nothing was ever written, without creating anything", async () => {
        const missing = path.join(dir, "not", "there");
        const store = new HistoryStore(missing);
        assert.deepEqual(await store.list(), []);
        assert.deepEqual(await store.recentTargets(), []);
        assert.equal(existsSync(missing), false);
      });

      it("creates a missing directory on the first write", async () => {
        const nested = path.join(dir, "a", "b", "c");
        const store = new HistoryStore(nested);
        assert.equal(store.path, path.join(nested, "history.jsonl"));
        await completeCall(store, "c1", 1);
        assert.equal((await store.list()).length, 1);
      });

      it("recreates the directory if it disappears while running", async () => {
        const nested = path.join(dir, "gone");
        const store = new HistoryStore(nested);
        await completeCall(store, "c1", 1);
        await rm(nested, { recursive: true, force: true });
        await completeCall(store, "c2", 2);
        assert.deepEqual((await store.list()).map((e) => e.id), ["c2"]);
      });

      it("leaves no lock or temporary files behind", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1);
        assert.deepEqual(await readdir(dir), ["history.jsonl"]);
      });

      it("writes one JSON record per line in the documented format", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1);
        const records = (await journalLines(store.path)).map((l) => JSON.parse(l));
        assert.deepEqual(records, [
          { op: "start", entry: { id: "c1", accountId: "acc", direction: "outgoing", remote: { uri: "sip:c1@example.com" }, startedAt: 1 } },
          { op: "answer", id: "c1", at: 1001 },
          { op: "end", id: "c1", endedAt: 61_401, outcome: "answered", status: 200, reason: "ended-local" },
        ]);
      });

      it("stores only the documented fields of the caller's objects", async () => {
        const store = new HistoryStore(dir);
        const extra = { ...call("c1", 1), secret: "x", remote: { uri: "sip:a@b", token: "y" } };
        await store.recordStart(extra as unknown as ReturnType<typeof call>);
        await store.recordEnd("c1", { endedAt: 2, outcome: "failed", extra: "z" } as never);
        assert.doesNotMatch(await readFile(store.path, "utf8"), /secret|token|extra/);
      });

      it("keeps the file private to the user", async function () {
        if (process.platform === "win32") this.skip();
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1);
        assert.equal((await stat(store.path)).mode & 0o777, 0o600);
      });

      it("keeps a call's records in order even when the caller doesn't await", async () => {
        const store = new HistoryStore(dir);
        const writes: Array<Promise<void>> = [];
        for (let i = 0; i < 20; i++) {
          writes.push(store.recordStart(call(`c${i}`, i)));
          writes.push(store.recordAnswer(`c${i}`, i + 1000));
          writes.push(store.recordEnd(`c${i}`, { endedAt: i + 3000, outcome: "answered" }));
        }
        await Promise.all(writes);
        const entries = await new HistoryStore(dir).list();
        assert.equal(entries.length, 20);
        assert.ok(entries.every((e) => e.outcome === "answered" && e.durationSec === 2));
      });

      it("doesn't let one failed write block the ones after it", async () => {
        const store = new HistoryStore(dir);
        await mkdir(store.path); // the journal can't be opened for appending
        await assert.rejects(store.recordStart(call("c0", 0)));
        assert.deepEqual(await readdir(dir), ["history.jsonl"], "the lock was released after the failure");
        await rm(store.path, { recursive: true });
        await completeCall(store, "c1", 1);
        assert.equal((await store.list()).length, 1);
      });
    });

    describe("restarts and crashes", () => {
      it("reads the history written by a previous instance (restart)", async () => {
        const before = new HistoryStore(dir);
        await completeCall(before, "c1", 1000);
        await completeCall(before, "c2", 2000);
        const after = new HistoryStore(dir);
        assert.deepEqual(await after.list(), await before.list());
        await completeCall(after, "c3", 3000);
        assert.deepEqual((await new HistoryStore(dir).list()).map((e) => e.id), ["c3", "c2", "c1"]);
      });

      it("shows a call that was never ended by a crashed instance as interrupted", async () => {
        const crashed = new HistoryStore(dir);
        await crashed.recordStart(call("c1", 1000, "incoming"));
        await crashed.recordAnswer("c1", 2000);
        const [entry] = await new HistoryStore(dir).list();
        assert.equal(entry!.outcome, "interrupted");
        assert.equal(entry!.answeredAt, 2000);
        assert.equal(entry!.endedAt, undefined);
        assert.equal(entry!.durationSec, 0);
      });

      it("shows an unanswered crashed call as interrupted too", async () => {
        const crashed = new HistoryStore(dir);
        await crashed.recordStart(call("c1", 1000));
        assert.equal((await new HistoryStore(dir).list())[0]!.outcome, "interrupted");
        assert.equal((await crashed.list())[0]!.outcome, undefined, "still running for the instance that started it");
      });

      it("keeps a call running when its end is refused as invalid", async () => {
        const store = new HistoryStore(dir);
        await store.recordStart(call("c1", 1));
        await assert.rejects(store.recordEnd("c1", { endedAt: 2, outcome: "nonsense" as never }));
        // The invalid end was refused before anything changed.
        assert.equal((await store.list())[0]!.outcome, undefined);
      });
    });

    describe("corrupt journals", () => {
      it("skips and counts corrupt lines, reading everything else", async () => {
        const good = new HistoryStore(dir);
        await completeCall(good, "c1", 1000);
        const junk = [
          "garbage",
          '{"op":"start","entry":{"id":"half',
          "42",
          "null",
          "[]",
          '"string"',
          '{"op":"delete","id":"c1"}',
          '{"op":"start","entry":{"id":"x","accountId":"a","direction":"sideways","remote":{"uri":"sip:x@y"},"startedAt":1}}',
          '{"op":"start","entry":{"id":"","accountId":"a","direction":"incoming","remote":{"uri":"sip:x@y"},"startedAt":1}}',
          '{"op":"start","entry":{"id":"y","accountId":"a","direction":"incoming","remote":"sip:x@y","startedAt":1}}',
          '{"op":"start","entry":{"id":"z","accountId":"a","direction":"incoming","remote":{"uri":"sip:x@y"},"startedAt":"yesterday"}}',
          '{"op":"start","entry":null}',
          '{"op":"answer","id":"c1","at":null}',
          '{"op":"end","id":"c1","endedAt":5,"outcome":"exploded"}',
          '{"op":"end","id":"c1","endedAt":5,"outcome":"failed","status":"500"}',
          '{"op":"end","id":"c1","endedAt":5,"outcome":"failed","reason":"boredom"}',
          "\u0000\u0001\u0002",
          "{" + "x".repeat(70_000) + "}",
        ];
        await writeFile(good.path, (await readFile(good.path, "utf8")) + junk.join("\n") + "\n");
        await completeCall(good, "c2", 2000);
        const reader = new HistoryStore(dir);
        const entries = await reader.list();
        assert.deepEqual(entries.map((e) => [e.id, e.outcome, e.durationSec]), [["c2", "answered", 60], ["c1", "answered", 60]]);
        assert.equal(reader.skippedLines, junk.length);
      });

      it("ignores blank lines and Windows line endings", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1);
        const text = await readFile(store.path, "utf8");
        await writeFile(store.path, "\n\n" + text.replace(/\n/g, "\r\n") + "\n  \n");
        const reader = new HistoryStore(dir);
        assert.equal((await reader.list()).length, 1);
        assert.equal(reader.skippedLines, 0);
      });

      it("starts a fresh line after a write cut short by a crash", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1000);
        await writeFile(store.path, (await readFile(store.path, "utf8")) + '{"op":"start","entry":{"id":"cut');
        await completeCall(store, "c2", 2000);
        const reader = new HistoryStore(dir);
        assert.deepEqual((await reader.list()).map((e) => e.id), ["c2", "c1"]);
        assert.equal(reader.skippedLines, 1);
      });

      it("reads a journal that is nothing but junk as empty", async () => {
        await writeFile(path.join(dir, "history.jsonl"), Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x80, 0x81]));
        const store = new HistoryStore(dir);
        assert.deepEqual(await store.list(), []);
        assert.equal(store.skippedLines, 2);
        await completeCall(store, "c1", 1);
        assert.equal((await store.list()).length, 1);
      });

      it("uses the first start, answer and end of a call and ignores orphans", async () => {
        const store = new HistoryStore(dir);
        await store.recordAnswer("ghost", 5);
        await store.recordEnd("ghost", { endedAt: 6, outcome: "failed" });
        await store.recordStart(call("c1", 1000, "outgoing", "sip:first@example.com"));
        await store.recordStart(call("c1", 9000, "outgoing", "sip:second@example.com"));
        await store.recordAnswer("c1", 2000);
        await store.recordAnswer("c1", 3000);
        await store.recordEnd("c1", { endedAt: 12_000, outcome: "answered" });
        await store.recordEnd("c1", { endedAt: 99_000, outcome: "failed" });
        const entries = await new HistoryStore(dir).list();
        assert.equal(entries.length, 1);
        assert.deepEqual([entries[0]!.remote.uri, entries[0]!.answeredAt, entries[0]!.endedAt, entries[0]!.outcome, entries[0]!.durationSec], ["sip:first@example.com", 2000, 12_000, "answered", 10]);
      });

      it("doesn't trip over ids that are Object.prototype names", async () => {
        const store = new HistoryStore(dir);
        for (const id of ["__proto__", "constructor", "toString", "hasOwnProperty"]) await completeCall(store, id, 1);
        assert.equal((await store.list()).length, 4);
      });
    });

    describe("input validation", () => {
      const bad: Array<[string, unknown]> = [
        ["a null call", null],
        ["an empty id", { ...call("x", 1), id: "" }],
        ["a numeric id", { ...call("x", 1), id: 5 }],
        ["a bad direction", { ...call("x", 1), direction: "sideways" }],
        ["a missing remote", { ...call("x", 1), remote: undefined }],
        ["a remote without uri", { ...call("x", 1), remote: { displayName: "x" } }],
        ["a non-string display name", { ...call("x", 1), remote: { uri: "sip:a@b", displayName: 5 } }],
        ["a NaN startedAt", { ...call("x", 1), startedAt: NaN }],
        ["a string startedAt", { ...call("x", 1), startedAt: "now" }],
        ["a missing accountId", { ...call("x", 1), accountId: undefined }],
      ];
      for (const [what, value] of bad) {
        it(`refuses to start ${what} and writes nothing`, async () => {
          const store = new HistoryStore(dir);
          await assert.rejects(store.recordStart(value as never), TypeError);
          assert.equal(existsSync(store.path), false);
        });
      }

      it("refuses invalid answers and ends", async () => {
        const store = new HistoryStore(dir);
        await assert.rejects(store.recordAnswer("", 1), TypeError);
        await assert.rejects(store.recordAnswer("c1", Infinity), TypeError);
        await assert.rejects(store.recordEnd("c1", null as never), TypeError);
        await assert.rejects(store.recordEnd("c1", { endedAt: NaN, outcome: "failed" }), TypeError);
        await assert.rejects(store.recordEnd("c1", { endedAt: 1, outcome: "exploded" as never }), TypeError);
        await assert.rejects(store.recordEnd("c1", { endedAt: 1, outcome: "failed", status: 99 }), TypeError);
        await assert.rejects(store.recordEnd("c1", { endedAt: 1, outcome: "failed", status: 486.5 }), TypeError);
        await assert.rejects(store.recordEnd("c1", { endedAt: 1, outcome: "failed", reason: "boredom" as never }), TypeError);
        assert.equal(existsSync(store.path), false);
      });

      it("accepts explicitly undefined optional end fields", async () => {
        const store = new HistoryStore(dir);
        await store.recordStart(call("c1", 1));
        await store.recordEnd("c1", { endedAt: 2, outcome: "failed", status: undefined, reason: undefined });
        const [entry] = await store.list();
        assert.equal("status" in entry!, false);
        assert.equal("reason" in entry!, false);
      });

      it("falls back to defaults for unusable options", async () => {
        const store = new HistoryStore(dir, { maxEntries: -1, lockStaleMs: NaN, compactAtLines: 0 });
        for (let i = 0; i < 3; i++) await completeCall(store, `c${i}`, i);
        assert.equal((await store.list()).length, 3);
      });
    });

    describe("recentTargets", () => {
      it("returns distinct remote URIs, most recent first", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1000, "sip:alice@example.com");
        await completeCall(store, "c2", 2000, "sip:bob@example.com");
        await completeCall(store, "c3", 3000, "sip:alice@example.com");
        await completeCall(store, "c4", 4000, "sip:carol@example.com");
        assert.deepEqual(await store.recentTargets(), ["sip:carol@example.com", "sip:alice@example.com", "sip:bob@example.com"]);
        assert.deepEqual(await store.recentTargets(2), ["sip:carol@example.com", "sip:alice@example.com"]);
        assert.deepEqual(await store.recentTargets(0), []);
      });

      it("defaults to 10 targets", async () => {
        const store = new HistoryStore(dir);
        for (let i = 0; i < 15; i++) await completeCall(store, `c${i}`, i);
        const targets = await store.recentTargets();
        assert.equal(targets.length, 10);
        assert.equal(targets[0], "sip:c14@example.com");
      });
    });

    describe("clear", () => {
      it("forgets every call, for new instances too", async () => {
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1);
        await store.clear();
        assert.deepEqual(await store.list(), []);
        assert.deepEqual(await new HistoryStore(dir).list(), []);
        await completeCall(store, "c2", 2);
        assert.deepEqual((await store.list()).map((e) => e.id), ["c2"]);
      });

      it("works on a history that doesn't exist yet", async () => {
        const store = new HistoryStore(path.join(dir, "new"));
        await store.clear();
        assert.deepEqual(await store.list(), []);
      });

      it("ignores the later records of a call running while cleared", async () => {
        const store = new HistoryStore(dir);
        await store.recordStart(call("c1", 1));
        await store.clear();
        await store.recordEnd("c1", { endedAt: 2, outcome: "failed" });
        assert.deepEqual(await store.list(), []);
      });
    });

    describe("compaction", () => {
      // maxEntries 10 → compaction once the journal passes max(compactAtLines, 4 × 10) = 40 lines.
      const options = { maxEntries: 10, compactAtLines: 30 };

      it("keeps the newest maxEntries calls once the journal grows too long", async () => {
        const store = new HistoryStore(dir, options);
        for (let i = 0; i < 30; i++) await completeCall(store, `c${i}`, 1000 + i);
        const lines = await journalLines(store.path);
        assert.ok(lines.length <= 43, `journal has ${lines.length} lines`);
        assert.ok(lines.length < 90, "something was compacted");
        const entries = await new HistoryStore(dir, { maxEntries: 1000 }).list();
        assert.ok(entries.length >= 10 && entries.length <= 14, `kept ${entries.length}`);
        assert.deepEqual(entries.slice(0, 10).map((e) => e.id), Array.from({ length: 10 }, (_, i) => `c${29 - i}`));
        assert.ok(entries.every((e) => e.outcome === "answered" && e.durationSec === 60), "kept calls are whole");
      });

      it("orders by start time, not by journal position", async () => {
        const store = new HistoryStore(dir, options);
        // Written newest-first: the ones written last are the oldest calls.
        for (let i = 0; i < 30; i++) await completeCall(store, `c${i}`, 100_000 - i);
        const entries = await new HistoryStore(dir, { maxEntries: 1000 }).list();
        assert.equal(entries[0]!.id, "c0");
        assert.ok(entries.some((e) => e.id === "c9"));
        assert.ok(!entries.some((e) => e.id === "c15"), "an old call written late was dropped");
      });

      it("drops corrupt lines and leaves no temporary file", async () => {
        const store = new HistoryStore(dir, options);
        await writeFile(store.path, "junk\n".repeat(50));
        await completeCall(store, "c1", 1);
        const reader = new HistoryStore(dir);
        assert.equal((await reader.list()).length, 1);
        assert.equal(reader.skippedLines, 0);
        assert.deepEqual(await readdir(dir), ["history.jsonl"]);
      });

      it("notices growth from other writers (another window) too", async () => {
        const other = new HistoryStore(dir, { maxEntries: 1000 });
        for (let i = 0; i < 40; i++) await completeCall(other, `o${i}`, i);
        const store = new HistoryStore(dir, options);
        await completeCall(store, "mine", 1000);
        assert.ok((await journalLines(store.path)).length <= 43);
        assert.equal((await store.list())[0]!.id, "mine");
      });

      it("keeps calls still running in this instance and young unfinished calls of other windows", async () => {
        const store = new HistoryStore(dir, options);
        const now = Date.now();
        await store.recordStart(call("mine-running", now - 60_000));
        const otherWindow = new HistoryStore(dir, options);
        await otherWindow.recordStart(call("theirs-running", now - 120_000));
        const crashedLongAgo = new HistoryStore(dir, options);
        await crashedLongAgo.recordStart(call("ancient-crash", now - 7 * 24 * 3600_000));
        for (let i = 0; i < 40; i++) await completeCall(store, `c${i}`, now + i);
        assert.ok((await journalLines(store.path)).length < 120, "compaction ran");
        const ids = (await new HistoryStore(dir, { maxEntries: 1000 }).list()).map((e) => e.id);
        assert.ok(ids.includes("mine-running"));
        assert.ok(ids.includes("theirs-running"));
        assert.ok(!ids.includes("ancient-crash"));
        assert.ok(!ids.includes("c0"));
      });

      it("never compacts below 4 × maxEntries lines, so that compacting always frees room", async () => {
        // Otherwise a journal of 3 × maxEntries lines would be rewritten by every append.
        const store = new HistoryStore(dir, { maxEntries: 100, compactAtLines: 10 });
        for (let i = 0; i < 50; i++) await completeCall(store, `c${i}`, i);
        assert.equal((await journalLines(store.path)).length, 150);
      });
    });

    describe("the cross-process lock", () => {
      const lockDir = () => path.join(dir, "history.lock");

      it("waits for a live lock instead of stealing it", async () => {
        await mkdir(lockDir());
        const store = new HistoryStore(dir);
        let done = false;
        const write = store.recordStart(call("c1", 1)).then(() => (done = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(done, false, "still waiting while another process holds the lock");
        await rm(lockDir(), { recursive: true });
        await write;
        assert.equal((await store.list()).length, 1);
      });

      it("takes over a stale lock left by a killed process", async () => {
        const holder = startWorker(workerScript, "hold-lock", { dir, lockPath: lockDir() });
        children.push(holder);
        await nextMessage(holder, "locked");
        holder.kill("SIGKILL");
        await exited(holder);
        assert.ok(existsSync(lockDir()), "the killed process left its lock behind");

        const store = new HistoryStore(dir, { lockStaleMs: 500 });
        const started = Date.now();
        await completeCall(store, "c1", 1);
        assert.equal((await store.list()).length, 1);
        assert.ok(Date.now() - started < 5000);
        assert.equal(existsSync(lockDir()), false);
      });

      it("takes over a lock older than the default 10 s quickly", async () => {
        await mkdir(lockDir());
        const old = new Date(Date.now() - 60_000);
        await utimes(lockDir(), old, old);
        const store = new HistoryStore(dir);
        const started = Date.now();
        await completeCall(store, "c1", 1);
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      });

      it("recovers when a takeover was interrupted too (stale guard)", async () => {
        await mkdir(lockDir());
        await mkdir(`${lockDir()}.takeover`);
        const old = new Date(Date.now() - 60_000);
        await utimes(lockDir(), old, old);
        await utimes(`${lockDir()}.takeover`, old, old);
        const store = new HistoryStore(dir);
        await completeCall(store, "c1", 1);
        assert.equal((await store.list()).length, 1);
        assert.deepEqual(await readdir(dir), ["history.jsonl"]);
      });

      it("serialises two instances in one process", async () => {
        const a = new HistoryStore(dir);
        const b = new HistoryStore(dir);
        await Promise.all(Array.from({ length: 50 }, (_, i) => completeCall(i % 2 ? a : b, `c${i}`, i)));
        const entries = await new HistoryStore(dir).list();
        assert.equal(entries.length, 50);
        assert.ok(entries.every((e) => e.outcome === "answered"));
      });

      it("loses nothing when two processes write 300 calls each at the same time", async function () {
        this.timeout(120_000);
        const options = { maxEntries: 1000 };
        const workers = ["a", "b"].map((prefix) => startWorker(workerScript, "write", { dir, prefix, calls: 300, options }));
        children.push(...workers);
        await Promise.all(workers.map((w) => nextMessage(w, "ready")));
        const finished = Promise.all(workers.map((w) => nextMessage(w, "done")));
        for (const w of workers) w.send("go");
        await finished;

        const reader = new HistoryStore(dir, options);
        const entries = await reader.list();
        assert.equal(reader.skippedLines, 0);
        assert.equal(entries.length, 600);
        assert.equal(new Set(entries.map((e) => e.id)).size, 600);
        assert.ok(entries.every((e) => e.outcome === "answered" && e.durationSec === 2 && e.status === 200), "every call is complete");
        assert.equal((await journalLines(reader.path)).length, 1800);
      });

      it("loses no record while the two processes compact the journal under each other", async function () {
        this.timeout(120_000);
        // Compaction at 400 lines: each process compacts several times while the other appends.
        const options = { maxEntries: 100, compactAtLines: 1 };
        const workers = ["a", "b"].map((prefix) => startWorker(workerScript, "write", { dir, prefix, calls: 300, options }));
        children.push(...workers);
        await Promise.all(workers.map((w) => nextMessage(w, "ready")));
        const finished = Promise.all(workers.map((w) => nextMessage(w, "done")));
        for (const w of workers) w.send("go");
        await finished;

        const lines = await journalLines(path.join(dir, "history.jsonl"));
        // "~400": the trigger estimates the length from the file size between exact counts.
        assert.ok(lines.length <= 420, `compacted, ${lines.length} lines`);
        const records = lines.map((l) => JSON.parse(l) as { op: string; id?: string; entry?: { id: string } });
        const ops = new Map<string, string[]>();
        for (const r of records) {
          const id = r.op === "start" ? r.entry!.id : r.id!;
          ops.set(id, [...(ops.get(id) ?? []), r.op]);
        }
        for (const [id, seen] of ops) assert.deepEqual(seen, ["start", "answer", "end"], `call ${id} is whole in the journal`);

        const entries = await new HistoryStore(dir, options).list();
        assert.equal(entries.length, 100);
        assert.ok(entries.every((e) => e.outcome === "answered" && e.durationSec === 2));
        // Each process's calls start later and later, so what survives of each is its newest calls:
        // an unbroken run up to its last call (or nothing, if the other process kept going long after).
        for (const prefix of ["a", "b"]) {
          const kept = entries.filter((e) => e.accountId === prefix).map((e) => Number(e.id.slice(2))).sort((x, y) => x - y);
          if (kept.length > 0) assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 300 - kept.length + i), `process ${prefix} kept its newest calls`);
        }
        assert.ok(entries.some((e) => e.id === "a-299" || e.id === "b-299"));
      });
    });

    it("never blocks the event loop: no synchronous fs calls in the store", function () {
      const source = path.resolve(__dirname, "../../../src/history/historyStore.ts");
      assert.ok(existsSync(source), `source file to check is missing: ${source}`);
      assert.doesNotMatch(readFileSync(source, "utf8"), /Sync\s*\(/);
    });
  });
}
