// The dialogs a killed host leaves on disk, and how the next host ends them (hardening issue,
// section 4; the kill -9 itself is test/integration/crash.test.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { LeftoverCalls } from "../../src/calls/leftoverCalls";
import { LIVE_DIALOGS_DIR, LiveDialogStore, parseLiveDialogFile, type Leftover, type LiveDialog } from "../../src/calls/liveDialogs";
import { thisProcess, type ProcessIdentity } from "../../src/history/fileLock";
import { byeCSeq, CSEQ_MARGIN } from "../../src/sip/dialogBye";

const dialog = (callId: string, accountId = "alice", localCSeq = 1): LiveDialog => ({
  callId,
  accountId,
  sipCallId: `${callId}-sip`,
  localTag: "lt",
  remoteTag: "rt",
  localUri: `sip:${accountId}@example.com`,
  remoteUri: "sip:phone@example.com",
  remoteTarget: "sip:phone@127.0.0.1:5062",
  routeSet: ["<sip:127.0.0.1:8080;transport=ws;r2=on;lr>", "<sip:127.0.0.1;r2=on;lr>"],
  localCSeq,
  establishedAt: 1_700_000_000_000,
});

/** The identity of a process that has exited (a real pid, no longer running). */
async function deadProcess(): Promise<ProcessIdentity> {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return { ...(await thisProcess()), pid: Number(child.stdout.toString()), started: "1" };
}

async function writeHostFile(historyDir: string, name: string, owner: ProcessIdentity, dialogs: unknown[]): Promise<string> {
  const dir = path.join(historyDir, LIVE_DIALOGS_DIR);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify({ version: 1, owner, dialogs }));
  return file;
}

describe("live dialogs on disk (LiveDialogStore)", () => {
  let historyDir: string;
  beforeEach(async () => (historyDir = await mkdtemp(path.join(os.tmpdir(), "softphone-live-"))));
  afterEach(async () => rm(historyDir, { recursive: true, force: true }));
  const files = async () => (await readdir(path.join(historyDir, LIVE_DIALOGS_DIR)).catch(() => [] as string[])).sort();

  it("keeps an established call's dialog in a private file of this process, and removes the file when the last call ends", async () => {
    const store = new LiveDialogStore(historyDir);
    await store.remember(dialog("c1"));
    await store.remember(dialog("c2"));
    const [name] = await files();
    assert.ok(name?.startsWith(`${process.pid}-`), `one file named after this process (${name})`);
    const file = path.join(historyDir, LIVE_DIALOGS_DIR, name!);
    assert.equal((await stat(file)).mode & 0o777, 0o600, "readable by the user only");
    const parsed = parseLiveDialogFile(await readFile(file, "utf8"));
    assert.ok(typeof parsed !== "string");
    assert.deepEqual(parsed.dialogs.map((d) => d.callId), ["c1", "c2"]);
    assert.equal(parsed.owner.pid, process.pid);
    await store.forget("c1");
    assert.deepEqual((parseLiveDialogFile(await readFile(file, "utf8")) as { dialogs: LiveDialog[] }).dialogs.map((d) => d.callId), ["c2"]);
    await store.forget("c2");
    assert.deepEqual(await files(), [], "no file once no call is up");
  });

  it("keeps the order of remember and forget even when the caller doesn't await", async () => {
    const store = new LiveDialogStore(historyDir);
    void store.remember(dialog("c1"));
    await store.forget("c1");
    assert.deepEqual(await files(), []);
  });

  it("hands over the leftovers of a host that is gone, for the account asked only, and never those of a running one", async () => {
    await writeHostFile(historyDir, "1-dead.json", await deadProcess(), [dialog("a1"), dialog("b1", "bob"), dialog("a2")]);
    await writeHostFile(historyDir, "2-live.json", await thisProcess(), [dialog("a3")]); // another window, still running
    const store = new LiveDialogStore(historyDir);
    await store.remember(dialog("mine")); // our own call: not a leftover either
    const { leftovers, problems } = await store.leftovers("alice");
    assert.deepEqual(problems, []);
    assert.deepEqual(leftovers.map((l) => l.dialog.callId), ["a1", "a2"]);
  });

  it("moves a file it cannot read aside with a clear problem, and still reads the others", async () => {
    await writeHostFile(historyDir, "1-dead.json", await deadProcess(), [dialog("a1")]);
    await writeFile(path.join(historyDir, LIVE_DIALOGS_DIR, "0-bad.json"), "{ truncated");
    const { leftovers, problems } = await new LiveDialogStore(historyDir).leftovers("alice");
    assert.deepEqual(leftovers.map((l) => l.dialog.callId), ["a1"]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /0-bad\.json: not JSON; moved aside as 0-bad\.json\.bad/);
    assert.deepEqual(await files(), ["0-bad.json.bad", "1-dead.json"], "kept for a person to look at, no longer read");
  });

  it("leaves out entries that are not dialogs, keeping the rest of the file", () => {
    const parsed = parseLiveDialogFile(JSON.stringify({ version: 1, owner: { pid: 1, host: "h" }, dialogs: [dialog("ok"), { callId: "x" }, null, { ...dialog("neg"), localCSeq: -1 }] }));
    assert.ok(typeof parsed !== "string");
    assert.deepEqual(parsed.dialogs.map((d) => d.callId), ["ok"]);
    assert.equal(parseLiveDialogFile(JSON.stringify({ version: 2, owner: { pid: 1, host: "h" }, dialogs: [] })), "not a live-dialogs file (version 1)");
    assert.equal(parseLiveDialogFile(JSON.stringify({ version: 1, dialogs: [] })), "no owner process");
  });

  it("drops a dealt-with leftover from its file, and the file with the last one", async () => {
    await writeHostFile(historyDir, "1-dead.json", await deadProcess(), [dialog("a1"), dialog("b1", "bob")]);
    const store = new LiveDialogStore(historyDir);
    const [a1] = (await store.leftovers("alice")).leftovers;
    await store.drop(a1!);
    assert.deepEqual((await store.leftovers("alice")).leftovers, []);
    const [b1] = (await store.leftovers("bob")).leftovers;
    assert.equal(b1?.dialog.callId, "b1", "the other account's leftover is still there");
    await store.drop(b1!);
    assert.deepEqual(await files(), []);
  });
});

describe("ending leftover calls (LeftoverCalls)", () => {
  const silent = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

  function rig(leftovers: Leftover[], bye: (d: LiveDialog) => Promise<number | undefined>) {
    const dropped: string[] = [];
    const sent: string[] = [];
    const logged: string[] = [];
    const calls = new LeftoverCalls({
      store: { leftovers: async () => ({ leftovers, problems: ["x.json: not JSON; moved aside as x.json.bad"] }), drop: async (l) => void dropped.push(l.dialog.callId) },
      bye: async (_account, d) => (sent.push(d.callId), bye(d)),
      log: { ...silent, info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    });
    return { calls, dropped, sent, logged };
  }

  it("sends each leftover a BYE, forgets it once answered, and logs what it did and the file problems", async () => {
    const r = rig([{ file: "f", dialog: dialog("a1") }, { file: "f", dialog: dialog("a2") }], async (d) => (d.callId === "a1" ? 200 : 481));
    await r.calls.accountRegistered("alice");
    assert.deepEqual(r.sent, ["a1", "a2"]);
    assert.deepEqual(r.dropped.sort(), ["a1", "a2"]);
    assert.ok(r.logged.some((m) => /call a1 .*BYE answered 200; forgotten/.test(m)), r.logged.join("\n"));
    assert.ok(r.logged.some((m) => /call a2 .*BYE answered 481; forgotten/.test(m)), r.logged.join("\n"));
    assert.ok(r.logged.some((m) => /live dialogs: x\.json: not JSON/.test(m)), "the bad file is reported");
  });

  it("forgets a leftover whose BYE could not be built, and never throws", async () => {
    const r = rig([{ file: "f", dialog: dialog("a1") }], async () => Promise.reject(new Error('the remote target "x" is not a SIP URI')));
    await r.calls.accountRegistered("alice");
    assert.deepEqual(r.dropped, ["a1"]);
    assert.ok(r.logged.some((m) => /no BYE could be sent \(the remote target "x" is not a SIP URI\)/.test(m)), r.logged.join("\n"));
  });

  it("does not sweep an account twice at once (a registration while the first sweep runs)", async () => {
    let answer!: (s: number) => void;
    const r = rig([{ file: "f", dialog: dialog("a1") }], () => new Promise((resolve) => (answer = resolve)));
    const first = r.calls.accountRegistered("alice");
    await new Promise((resolve) => setImmediate(resolve));
    await r.calls.accountRegistered("alice");
    answer(200);
    await first;
    assert.deepEqual(r.sent, ["a1"], "one BYE");
  });
});

describe("the BYE's CSeq (byeCSeq)", () => {
  it("goes well above the CSeq on disk, which later re-INVITEs and INFOs may have passed", () => {
    assert.equal(byeCSeq({ localCSeq: 3 }), 3 + CSEQ_MARGIN);
    assert.ok(byeCSeq({ localCSeq: 0 }) > 1000);
  });

  it("stays below 2**31 (RFC 3261 8.1.1.5)", () => {
    assert.equal(byeCSeq({ localCSeq: 2 ** 31 - 10 }), 2 ** 31 - 1);
  });
});
