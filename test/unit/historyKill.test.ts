// kill -9 while the history is being compacted loses no record (hardening issue, section 4).
// A child process writes calls as fast as it can into a history that compacts every few
// appends, and is killed with SIGKILL at a random moment; then a new HistoryStore must find
// every record the child had reported written — within what compaction promises to keep, the
// newest maxEntries calls. Several rounds on one folder, each child carrying on the last one's
// history (and taking over the lock it may have died holding).
//
// Compaction already writes the kept lines to a temporary file, syncs it and renames it over the
// journal (journalFile.ts replaceFile), so this passed when written: a regression guard.
//
// This file doubles as the child (esbuild bundles it with the store into one file; the
// environment variable selects the role), as in historyStore.test.ts.
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, watch } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { HistoryStore, type HistoryStoreOptions } from "../../src/history/historyStore";

const WORKER_DIR = "HISTORY_KILL_TEST_DIR";
/** 8 calls kept; compaction once the journal passes 4 × 8 = 32 lines, i.e. every few appends. */
const OPTIONS: HistoryStoreOptions = { maxEntries: 8, compactAtLines: 1 };
const ROUNDS = 12;

type Written = { op: "start" | "answer" | "end"; id: string; startedAt: number };

if (process.env[WORKER_DIR]) void writeForever(process.env[WORKER_DIR]!);
else describeKill();

/** Calls, one record at a time, each reported to the parent once written (the await resolved). */
async function writeForever(dir: string): Promise<void> {
  const store = new HistoryStore(dir, OPTIONS);
  process.send!({ op: "ready" });
  let last = 0;
  for (let i = 0; ; i++) {
    const id = `${process.pid}-${i}`;
    // Strictly increasing start times, across children too: compaction keeps the newest calls.
    const startedAt = (last = Math.max(Date.now(), last + 1));
    const report = (op: Written["op"]) => process.send!({ op, id, startedAt } satisfies Written);
    await store.recordStart({ id, accountId: "acc", direction: "outgoing", remote: { uri: `sip:${id}@example.com` }, startedAt });
    report("start");
    await store.recordAnswer(id, startedAt + 1);
    report("answer");
    await store.recordEnd(id, { endedAt: startedAt + 2, outcome: "answered", status: 200, reason: "ended-local" });
    report("end");
  }
}

function describeKill(): void {
  // Read now, while mocha loads this file: a rebuild meanwhile must not take the child away.
  const bundle = readFileSync(__filename);

  describe("history: kill -9 during compaction", function () {
    this.timeout(120_000);
    let dir: string;
    let workerScript: string;
    let child: ChildProcess | undefined;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "softphone-history-kill-"));
      workerScript = path.join(dir, "worker.js");
      await writeFile(workerScript, bundle);
    });
    after(async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    });

    it(`loses no record the killed writer had written (${ROUNDS} kills, half of them timed to land mid-compaction)`, async () => {
      const historyDir = path.join(dir, "history");
      mkdirSync(historyDir);
      const written = new Map<string, { startedAt: number; ops: Set<Written["op"]> }>();
      let killedMidCompaction = 0;
      const tempsSeen = new Set<string>();
      let records = 0;
      let checked = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const proc = (child = fork(workerScript, [], { env: { ...process.env, [WORKER_DIR]: historyDir }, stdio: ["ignore", "inherit", "inherit", "ipc"] }));
        const exited = new Promise((r) => proc.once("exit", r));
        const kill = () => proc.kill("SIGKILL");
        // Even rounds: killed after a random number of records (plus up to 3 ms), wherever the
        // writer then is. Odd rounds: killed the moment a compaction's temporary file appears.
        const targeted = round % 2 === 1;
        const killAfter = 10 + Math.floor(Math.random() * 50);
        let thisRound = 0;
        const watcher = targeted ? watch(historyDir, (_event, name) => thisRound >= 5 && String(name).endsWith(".tmp") && kill()) : undefined;
        proc.on("message", (m: Written | { op: "ready" }) => {
          if (m.op === "ready") return;
          const call = written.get(m.id) ?? { startedAt: m.startedAt, ops: new Set() };
          call.ops.add(m.op);
          written.set(m.id, call);
          records++;
          if (++thisRound === killAfter && !targeted) setTimeout(kill, Math.random() * 3);
          if (thisRound === 2000) kill(); // a targeted round whose watcher never fired
        });
        await exited;
        watcher?.close();
        // A temporary file left behind: the kill landed between writing the compacted journal and renaming it over the old one.
        // (Nothing removes such files later; only new ones count.)
        const temps = (await readdir(historyDir)).filter((n) => n.endsWith(".tmp"));
        if (temps.some((n) => !tempsSeen.has(n))) killedMidCompaction++;
        temps.forEach((n) => tempsSeen.add(n));

        const found = new Map((await new HistoryStore(historyDir, OPTIONS).list(1e9)).map((e) => [e.id, e]));
        // At most one record can be on disk unreported (the kill came between its write and the
        // report), and it may start the newest call: the newest maxEntries - 1 reported calls are kept whatever happened.
        const newest = [...written.entries()].sort((a, b) => b[1].startedAt - a[1].startedAt).slice(0, OPTIONS.maxEntries! - 1);
        for (const [id, call] of newest) {
          const entry = found.get(id);
          assert.ok(entry, `round ${round}: call ${id} (reported started) is in the history`);
          if (call.ops.has("answer")) assert.equal(entry.answeredAt, call.startedAt + 1, `round ${round}: call ${id}'s answer is kept`);
          if (call.ops.has("end")) assert.equal(entry.outcome, "answered", `round ${round}: call ${id}'s end is kept`);
          checked++;
        }
      }
      console.log(`      figures: ${ROUNDS} kills, ${killedMidCompaction} of them mid-compaction (temporary file left); ${records} records reported written; ${checked} newest-call checks passed`);
      assert.ok(killedMidCompaction > 0, "at least one kill landed mid-compaction, or this test proved nothing about compaction");
      assert.ok(records > ROUNDS * 3, `the writers wrote something before being killed (${records} records)`);
    });
  });
}
