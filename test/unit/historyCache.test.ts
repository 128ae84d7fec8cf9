// History is kept in memory and read from disk only when the file changed: the sidebar and the
// pickers list history often, and re-reading a 2000-line journal each time is waste. The file
// stays the record: another VS Code window's writes are seen at the next read.
//
// "Not read again" is observed, not assumed: the test rewrites the journal behind the store's
// back while keeping its version (same inode, size and modification time). A store that read
// the file would see the tampered text; one that serves from memory shows what it held.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { HistoryStore } from "../../src/history/historyStore";

describe("history kept in memory", () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "history-cache-"))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const call = (store: HistoryStore, id: string, uri: string, at = Date.now()) =>
    store
      .recordStart({ id, accountId: "a", direction: "outgoing", remote: { uri }, startedAt: at })
      .then(() => store.recordEnd(id, { endedAt: at + 1000, outcome: "busy", status: 486, reason: "busy" }));

  /** Replace every "bob" with "eve" (same length) and put the file's mtime back: same version, other text. */
  async function tamperKeepingVersion(file: string): Promise<void> {
    const before = await stat(file);
    const ns = (await stat(file, { bigint: true })).mtimeNs;
    const text = await readFile(file, "utf8");
    assert.ok(text.includes("bob"));
    await writeFile(file, text.replace(/bob/g, "eve"));
    // To the nanosecond (utimes() takes floating seconds and would round).
    execFileSync("touch", ["-m", "-d", `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`, file]);
    const after = await stat(file);
    assert.equal(after.ino, before.ino);
    assert.equal(after.size, before.size);
    assert.equal(after.mtimeMs, before.mtimeMs);
  }

  it("serves list() from memory while the file is unchanged", async () => {
    const store = new HistoryStore(dir);
    await call(store, "c1", "sip:bob@example.com");
    assert.equal((await store.list())[0].remote.uri, "sip:bob@example.com");
    await tamperKeepingVersion(store.path);
    assert.equal((await store.list())[0].remote.uri, "sip:bob@example.com", "not read again");
  });

  it("adds its own writes to what it holds, without reading the file again", async () => {
    const store = new HistoryStore(dir);
    await call(store, "c1", "sip:bob@example.com", 1000);
    await store.list(); // now held in memory
    await call(store, "c2", "sip:bob@example.org", 2000);
    await tamperKeepingVersion(store.path);
    const uris = (await store.list()).map((e) => e.remote.uri);
    assert.deepEqual(uris, ["sip:bob@example.org", "sip:bob@example.com"]);
  });

  it("sees another writer's records (another VS Code window) at the next read", async () => {
    const mine = new HistoryStore(dir);
    const theirs = new HistoryStore(dir);
    await call(mine, "c1", "sip:bob@example.com", 1000);
    assert.equal((await mine.list()).length, 1);
    await call(theirs, "c2", "sip:carol@example.com", 2000);
    assert.deepEqual((await mine.list()).map((e) => e.id), ["c2", "c1"]);
    // And our next append, made on top of their record, is not glued onto a stale copy.
    await call(mine, "c3", "sip:dave@example.com", 3000);
    assert.deepEqual((await mine.list()).map((e) => e.id), ["c3", "c2", "c1"]);
  });

  it("sees the journal cleared or replaced by another window", async () => {
    const mine = new HistoryStore(dir);
    const theirs = new HistoryStore(dir);
    await call(mine, "c1", "sip:bob@example.com");
    assert.equal((await mine.list()).length, 1);
    await theirs.clear();
    assert.deepEqual(await mine.list(), []);
  });
});

describe("history durability", () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "history-sync-"))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  /** Records which files were flushed to disk (FileHandle sync/datasync), in order. */
  async function watchSyncs(): Promise<{ synced: string[]; restore(): void }> {
    const probe = await open(path.join(dir, "probe"), "w");
    const proto = Object.getPrototypeOf(probe) as { sync(): Promise<void>; datasync(): Promise<void> };
    await probe.close();
    const { sync, datasync } = proto;
    const synced: string[] = [];
    // FileHandle knows its fd, not its path: find the path from /proc when flushed.
    const pathOf = (h: { fd: number }) => readlinkSync(`/proc/self/fd/${h.fd}`);
    proto.sync = async function (this: { fd: number }) {
      synced.push(path.basename(pathOf(this)));
      return sync.call(this);
    };
    proto.datasync = async function (this: { fd: number }) {
      synced.push(path.basename(pathOf(this)));
      return datasync.call(this);
    };
    return { synced, restore: () => Object.assign(proto, { sync, datasync }) };
  }

  it("flushes every appended record to disk before the write counts as done", async function () {
    if (process.platform !== "linux") this.skip(); // reads /proc/self/fd to name the flushed file
    const watch = await watchSyncs();
    try {
      const store = new HistoryStore(dir);
      await store.recordStart({ id: "c1", accountId: "a", direction: "outgoing", remote: { uri: "sip:x@y" }, startedAt: Date.now() });
      assert.deepEqual(watch.synced, ["history.jsonl"]);
    } finally {
      watch.restore();
    }
  });

  it("flushes the compacted journal before renaming it over the old one", async function () {
    if (process.platform !== "linux") this.skip();
    const store = new HistoryStore(dir, { maxEntries: 5, compactAtLines: 20 });
    const watch = await watchSyncs();
    try {
      for (let i = 0; i < 15; i++) {
        await store.recordStart({ id: `c${i}`, accountId: "a", direction: "outgoing", remote: { uri: "sip:x@y" }, startedAt: 1000 + i });
        await store.recordEnd(`c${i}`, { endedAt: 2000 + i, outcome: "busy", status: 486, reason: "busy" });
      }
      assert.ok(watch.synced.some((f) => /^history\.jsonl\..*\.tmp$/.test(f)), `the temporary file was flushed (${watch.synced.join(" ")})`);
      assert.equal((await store.list()).length, 5, "compaction happened");
    } finally {
      watch.restore();
    }
  });
});
