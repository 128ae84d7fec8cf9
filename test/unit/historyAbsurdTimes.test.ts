// "A record with an absurd timestamp cannot break the sidebar": from the journal on disk through
// HistoryStore.list() to the very formatting the sidebar's History view and the history quick pick
// apply to each entry (ISO datetime, locale string, relative time, duration). The journal parser's
// own checks are in journal.test.ts; this is the whole way, in time zones at both ends of the day.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { HistoryStore } from "../../src/history/historyStore";
import type { HistoryEntry } from "../../src/protocol/model";
import { formatDuration } from "../../src/ui/format";
import { relativeTime } from "../../webview/shared/time";

const MAX_DATE = 8.64e15;

const start = (id: string, startedAt: unknown) => JSON.stringify({ op: "start", entry: { id, accountId: "a", direction: "incoming", remote: { uri: `sip:${id}@example.com` }, startedAt } });
const answer = (id: string, at: unknown) => JSON.stringify({ op: "answer", id, at });
const end = (id: string, endedAt: unknown) => JSON.stringify({ op: "end", id, endedAt, outcome: "answered" });

/** What History.svelte and describeEntry() compute for one entry. */
function sidebarTexts(e: HistoryEntry, now: number): string[] {
  return [new Date(e.startedAt).toISOString(), new Date(e.startedAt).toLocaleString(), relativeTime(e.startedAt, now), formatDuration(e.durationSec)];
}

describe("history with absurd timestamps, as the sidebar shows it", () => {
  let dir: string;
  const tz = process.env.TZ;

  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "softphone-history-absurd-"))));
  afterEach(async () => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    await rm(dir, { recursive: true, force: true });
  });

  it("skips times no Date can hold and shows the extremes a Date can, in every time zone", async () => {
    const lines = [
      // Beyond what a Date holds: new Date(t).toISOString() would throw.
      start("far-future", 1e300),
      start("past-max", MAX_DATE + 1),
      start("negative", -1),
      start("string", "2026-01-01"),
      start("ok-but-absurd-answer", Date.UTC(2026, 0, 1)),
      answer("ok-but-absurd-answer", 1e300),
      end("ok-but-absurd-answer", -8.64e15 - 1),
      // At the very edges of what a Date holds: shown, however odd.
      start("epoch", 0),
      answer("epoch", 0),
      end("epoch", MAX_DATE),
      start("last-day", MAX_DATE),
      end("last-day", 0),
      start("normal", Date.UTC(2026, 0, 1, 12)),
    ];
    await writeFile(path.join(dir, "history.jsonl"), lines.join("\n") + "\n");

    const store = new HistoryStore(dir);
    const entries = await store.list();
    assert.deepEqual(entries.map((e) => e.id).sort(), ["epoch", "last-day", "normal", "ok-but-absurd-answer"]);
    assert.equal(store.skippedLines, 6, "four starts, the absurd answer and the absurd end are skipped");
    assert.equal(entries.find((e) => e.id === "epoch")!.durationSec, MAX_DATE / 1000);
    assert.equal(entries.find((e) => e.id === "last-day")!.durationSec, 0, "an end before the start is no negative duration");

    for (const zone of ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"]) {
      process.env.TZ = zone;
      for (const now of [Date.UTC(2026, 5, 1), 0, MAX_DATE]) {
        for (const e of entries) {
          const texts = sidebarTexts(e, now);
          for (const t of texts) assert.ok(typeof t === "string" && t.length > 0 && !/NaN|Invalid/.test(t), `${zone}, now ${now}, ${e.id}: ${JSON.stringify(texts)}`);
        }
      }
    }
  });
});
