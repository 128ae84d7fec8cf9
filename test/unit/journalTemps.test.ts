// A compaction killed between writing its temporary file and renaming it leaves the file behind;
// the next replacement removes such leftovers (src/history/journalFile.ts removeLeftoverTemps),
// and leaves alone the temporary files of replacements that may still be under way.
import assert from "node:assert/strict";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { replaceFile } from "../../src/history/journalFile";

describe("history: temporary files left by a killed compaction", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "journal-temps-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("the next replacement removes a dead writer's temporary file and any older than ten minutes; a live writer's recent one stays", async () => {
    const journal = path.join(dir, "history.jsonl");
    const dead = path.join(dir, "history.jsonl.4194303.abc123.tmp"); // no such pid here
    const live = path.join(dir, `history.jsonl.${process.ppid}.def456.tmp`); // our parent runs
    const stale = path.join(dir, `history.jsonl.${process.ppid}.old789.tmp`);
    const other = path.join(dir, "messages.jsonl.4194303.abc123.tmp"); // another journal's: not ours to judge
    for (const f of [dead, live, stale, other]) writeFileSync(f, "half a compaction");
    const longAgo = new Date(Date.now() - 11 * 60 * 1000);
    utimesSync(stale, longAgo, longAgo);
    await replaceFile(journal, "new content\n");
    assert.equal(await readFile(journal, "utf8"), "new content\n");
    assert.deepEqual({ dead: existsSync(dead), live: existsSync(live), stale: existsSync(stale), other: existsSync(other) }, { dead: false, live: true, stale: false, other: true });
  });
});
