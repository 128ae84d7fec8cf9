// Recording files: pieces from the call window are appended in order, only for recordings the
// host started; the last piece closes the file; names are safe whatever the party's address.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RecordingFiles, safeName } from "../../src/calls/recordings";
import type { Logger } from "../../src/util/logger";
import { waitFor } from "../support/wait";

const quiet: Logger = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("recording files", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "rec-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes pieces in seq order even when they arrive out of order, and closes on the last", async () => {
    const files = new RecordingFiles(() => dir, quiet);
    const file = files.begin("c1", { uri: "sip:bob@example.com" }, Date.UTC(2026, 10, 30, 12, 0, 0));
    files.write("c1", 1, b64("BB"), false);
    files.write("c1", 0, b64("AA"), false);
    files.write("c1", 3, b64(""), true);
    assert.equal(files.isOpen("c1"), true, "piece 2 is still missing");
    files.write("c1", 2, b64("CC"), false);
    assert.equal(files.isOpen("c1"), false, "closed once the last piece and all before it arrived");
    await waitFor("the file flushed", () => readFileSync(file, "utf8") === "AABBCC", 2000);
    assert.match(file, /bob@example\.com\.webm$/);
  });

  it("ignores pieces for recordings it did not start, and repeated or stale pieces", () => {
    const files = new RecordingFiles(() => dir, quiet);
    files.write("never-started", 0, b64("XX"), true);
    assert.deepEqual(readdirSync(dir), []);
    files.begin("c2", { uri: "sip:carol@example.com" });
    files.write("c2", 0, b64("AA"), false);
    files.write("c2", 0, b64("ZZ"), false);
    files.write("c2", -1, b64("ZZ"), false);
    files.write("c2", 1.5, b64("ZZ"), false);
    const file = files.finish("c2")!;
    return waitFor("flushed", () => readFileSync(file, "utf8") === "AA", 2000);
  });

  it("makes file names safe from any address", () => {
    assert.equal(safeName("sip:bob@example.com"), "bob@example.com");
    assert.equal(safeName("sip:../../etc/passwd@x"), "_.._etc_passwd@x");
    assert.equal(safeName("tel:+49 30 1234"), "+49_30_1234");
    assert.equal(safeName("sip:"), "call");
  });
});
