// The history lock when time and processes misbehave: the wall clock steps backwards or
// forwards, a holder dies, a holder is paused (SIGSTOP) past staleMs and then resumes. The
// promise under test: such a lock neither blocks writes for the 30 s acquisition deadline nor
// loses a record.
//
// Like historyStore.test.ts, this file doubles as the child process of the cross-process tests
// (esbuild bundles it with fileLock.ts; the bundle is copied away so a rebuild can't remove it).
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { exited, nextMessage } from "../support/workers";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { withFileLock } from "../../src/history/fileLock";
import { HistoryStore } from "../../src/history/historyStore";
import { appendLine } from "../../src/history/journalFile";

// The fs/promises module object itself (not an esbuild import binding), so a test can stand in
// for one of its functions; the store's bundled code looks the function up on it at each call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fsp = require("node:fs/promises") as { rename: typeof import("node:fs/promises").rename };

const WORKER_ROLE = "FILELOCK_TEST_WORKER";
const WORKER_CONFIG = "FILELOCK_TEST_CONFIG";

interface WorkerConfig {
  lockDir: string;
  staleMs: number;
  journal?: string;
}

if (process.env[WORKER_ROLE]) {
  void runWorker(process.env[WORKER_ROLE]!, JSON.parse(process.env[WORKER_CONFIG] ?? "{}") as WorkerConfig);
} else {
  describeDurability();
}

async function runWorker(role: string, config: WorkerConfig): Promise<void> {
  try {
    await withFileLock(config.lockDir, { staleMs: config.staleMs }, async () => {
      process.send!({ type: "locked" });
      if (role === "die-holding") {
        // Killed by the parent while holding the lock.
        await new Promise(() => undefined);
      }
      // role "hold": keep the lock until told, then write our record as a holder would.
      await new Promise<void>((resolve) => process.once("message", () => resolve()));
      await appendLine(config.journal!, JSON.stringify({ from: "paused-holder" }) + "\n");
    });
    process.send!({ type: "released" }, () => process.disconnect());
  } catch (err) {
    process.send!({ type: "error", message: String((err as Error)?.stack ?? err) }, () => process.exit(1));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with how long `p` took, or rejects once `limitMs` has passed without it settling. */
async function within<T>(limitMs: number, what: string, p: Promise<T>): Promise<number> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${limitMs} ms`)), limitMs);
  });
  try {
    await Promise.race([p, limit]);
    return performance.now() - started;
  } finally {
    clearTimeout(timer);
  }
}

function describeDurability(): void {
  const bundle = readFileSync(__filename);

  describe("history lock durability (clock steps, dead and paused holders)", () => {
    let dir: string;
    let lockDir: string;
    let workerDir: string;
    let workerScript: string;
    const children: ChildProcess[] = [];
    const realNow = Date.now;
    const realRename = fsp.rename;

    before(async () => {
      workerDir = await mkdtemp(path.join(os.tmpdir(), "softphone-filelock-worker-"));
      workerScript = path.join(workerDir, "worker.js");
      await writeFile(workerScript, bundle);
    });

    after(async () => {
      await rm(workerDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "softphone-filelock-durability-"));
      lockDir = path.join(dir, "history.lock");
    });

    afterEach(async () => {
      Date.now = realNow;
      fsp.rename = realRename;
      for (const child of children.splice(0)) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGCONT");
          child.kill("SIGKILL");
        }
        await exited(child);
      }
      await rm(dir, { recursive: true, force: true });
    });

    function startWorker(role: string, config: WorkerConfig): ChildProcess {
      const child = fork(workerScript, [], {
        env: { ...process.env, [WORKER_ROLE]: role, [WORKER_CONFIG]: JSON.stringify(config) },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      return child;
    }

    it("takes over at once the lock of a holder that died, even when the clock stepped back (lock mtime in the future)", async () => {
      const holder = startWorker("die-holding", { lockDir, staleMs: 10_000 });
      await nextMessage(holder, "locked");
      holder.kill("SIGKILL");
      await exited(holder);
      // The clock stepped back an hour since the lock was made: its mtime lies an hour ahead.
      const ahead = new Date(realNow() + 3_600_000);
      await utimes(lockDir, ahead, ahead);

      let ran = false;
      const write = withFileLock(lockDir, { staleMs: 10_000 }, async () => (ran = true));
      write.catch(() => undefined); // reported by within() below
      const took = await within(3000, "a dead holder's lock from the future", write);
      assert.equal(ran, true);
      assert.ok(took < 3000, `took ${Math.round(took)} ms`);
      assert.equal(existsSync(lockDir), false);
    });

    it("doesn't take a live holder's lock, nor give up waiting, when the wall clock steps forward an hour", async () => {
      const events: string[] = [];
      let releaseHolder!: () => void;
      const holderMayGo = new Promise<void>((resolve) => (releaseHolder = resolve));
      const holding = withFileLock(lockDir, { staleMs: 10_000 }, async () => {
        events.push("holder in");
        await holderMayGo;
        events.push("holder out");
      });
      while (!events.includes("holder in")) await sleep(5);

      // The clock steps forward while the holder is writing.
      Date.now = () => realNow() + 3_600_000;
      const waiting = withFileLock(lockDir, { staleMs: 10_000 }, async () => {
        events.push("waiter in");
      });
      await sleep(800);
      assert.deepEqual(events, ["holder in"], "the waiter must not enter while the holder is inside");
      releaseHolder();
      await holding;
      await waiting;
      assert.deepEqual(events, ["holder in", "holder out", "waiter in"]);
      assert.equal(existsSync(lockDir), false);
    });

    it("overtakes a SIGSTOP'd holder after about staleMs; the resumed holder leaves the new lock alone and neither side's record is lost", async function () {
      if (process.platform === "win32") this.skip(); // no SIGSTOP there; the pause is simulated in the next test
      const journal = path.join(dir, "history.jsonl");
      const holder = startWorker("hold", { lockDir, staleMs: 500, journal });
      await nextMessage(holder, "locked");
      holder.kill("SIGSTOP");

      const events: string[] = [];
      const took = await within(
        8000,
        "taking over a paused holder's lock",
        withFileLock(lockDir, { staleMs: 500 }, async () => {
          events.push("we hold it");
          // The paused holder resumes while we hold the lock, finishes its work and releases.
          const released = nextMessage(holder, "released");
          holder.send("go on");
          holder.kill("SIGCONT");
          await released;
          assert.ok(existsSync(lockDir), "the resumed holder removed the lock we hold");
          await appendLine(journal, JSON.stringify({ from: "new-holder" }) + "\n");
        }),
      );
      assert.deepEqual(events, ["we hold it"]);
      assert.ok(took >= 400, `took over after ${Math.round(took)} ms, before the lock went stale`);
      const records = (await readFile(journal, "utf8")).split("\n").filter((l) => l !== "");
      assert.deepEqual(records.map((l) => (JSON.parse(l) as { from: string }).from).sort(), ["new-holder", "paused-holder"]);
      assert.equal(existsSync(lockDir), false, "our lock released");
    });

    it("loses no record when a store paused in the middle of compacting is overtaken and then resumes", async () => {
      const a = new HistoryStore(dir, { lockStaleMs: 300, maxEntries: 5, compactAtLines: 1 });
      const t0 = Date.UTC(2026, 0, 1);
      // 6 calls = 18 lines; compaction triggers above 20 lines.
      for (let i = 0; i < 6; i++) await completeCall(a, `a${i}`, t0 + i * 1000);

      // The next compaction's rename over the journal pauses (as if the process were stopped
      // there) until the other store has written.
      let paused!: () => void;
      const pauseReached = new Promise<void>((resolve) => (paused = resolve));
      let resume!: () => void;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      fsp.rename = async (from, to) => {
        if (to === a.path) {
          fsp.rename = realRename;
          paused();
          await resumed;
        }
        return realRename(from, to);
      };
      const aWrites = completeCall(a, "a6", t0 + 6000);
      await within(5000, "store a reaching its compaction", pauseReached);

      // Another window writes a newer call meanwhile: it has to take the lock over first.
      const b = new HistoryStore(dir, { lockStaleMs: 300 });
      await within(5000, "store b writing past the paused compaction", completeCall(b, "b1", t0 + 10_000));
      resume();
      await aWrites;
      // a may compact again later: its next append must keep b's call too.
      await completeCall(a, "a7", t0 + 7000);

      const ids = (await new HistoryStore(dir, { maxEntries: 100 }).list()).map((e) => e.id);
      assert.ok(ids.includes("b1"), `b's call is lost: ${ids.join(" ")}`);
      const entries = await new HistoryStore(dir, { maxEntries: 100 }).list();
      assert.equal(entries.find((e) => e.id === "b1")?.outcome, "answered", "b's call whole");
      assert.equal(existsSync(lockDir), false);
    });
  });
}

async function completeCall(store: HistoryStore, id: string, t: number): Promise<void> {
  await store.recordStart({ id, accountId: "acc", direction: "outgoing", remote: { uri: `sip:${id}@example.com` }, startedAt: t });
  await store.recordAnswer(id, t + 1000);
  await store.recordEnd(id, { endedAt: t + 3000, outcome: "answered", status: 200, reason: "ended-local" });
}
