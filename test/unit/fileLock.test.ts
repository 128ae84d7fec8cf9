import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, utimes } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { withFileLock } from "../../src/history/fileLock";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("withFileLock", () => {
  let dir: string;
  let lockDir: string;
  const opts = { staleMs: 10_000 };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "softphone-filelock-"));
    lockDir = path.join(dir, "test.lock");
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("holds the lock directory while running and returns the function's result", async () => {
    const result = await withFileLock(lockDir, opts, async () => {
      assert.ok(existsSync(lockDir), "locked while running");
      return 42;
    });
    assert.equal(result, 42);
    assert.deepEqual(await readdir(dir), [], "released afterwards");
  });

  it("releases the lock when the function fails, and rethrows", async () => {
    await assert.rejects(
      withFileLock(lockDir, opts, async () => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  it("creates the lock's missing parent directory", async () => {
    const nested = path.join(dir, "a", "b", "c.lock");
    await withFileLock(nested, { staleMs: 10_000, dirMode: 0o700 }, async () => undefined);
    assert.ok(existsSync(path.join(dir, "a", "b")));
    assert.equal(existsSync(nested), false);
    if (process.platform !== "win32") assert.equal((await stat(path.join(dir, "a", "b"))).mode & 0o777, 0o700);
  });

  it("creates the lock directory with the given mode (default 0o700)", async function () {
    if (process.platform === "win32") this.skip();
    await withFileLock(lockDir, opts, async () => assert.equal((await stat(lockDir)).mode & 0o777, 0o700));
    await withFileLock(lockDir, { ...opts, dirMode: 0o750 }, async () => assert.equal((await stat(lockDir)).mode & 0o777 & ~process.umask(), 0o750 & ~process.umask()));
  });

  it("lets one holder in at a time", async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withFileLock(lockDir, opts, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(1);
          order.push(i);
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
    assert.equal(order.length, 20);
    assert.deepEqual(await readdir(dir), []);
  });

  it("waits for a live lock instead of stealing it", async () => {
    await mkdir(lockDir);
    let done = false;
    const run = withFileLock(lockDir, opts, async () => (done = true));
    await sleep(300);
    assert.equal(done, false, "still waiting while someone else holds the lock");
    await rm(lockDir, { recursive: true });
    assert.equal(await run, true);
  });

  it("takes over a stale lock quickly", async () => {
    await mkdir(lockDir);
    const old = new Date(Date.now() - 60_000);
    await utimes(lockDir, old, old);
    const started = Date.now();
    await withFileLock(lockDir, opts, async () => undefined);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.deepEqual(await readdir(dir), []);
  });

  it("takes over once a held lock goes stale", async () => {
    await mkdir(lockDir);
    const started = Date.now();
    await withFileLock(lockDir, { staleMs: 300 }, async () => undefined);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 5000, `took ${took} ms`);
  });

  it("recovers from a stale takeover guard left by a process that died taking over", async () => {
    const guard = `${lockDir}.takeover`;
    await mkdir(lockDir);
    await mkdir(guard);
    const old = new Date(Date.now() - 60_000);
    await utimes(lockDir, old, old);
    await utimes(guard, old, old);
    await withFileLock(lockDir, opts, async () => undefined);
    assert.deepEqual(await readdir(dir), []);
  });

  it("doesn't take over while a fresh takeover guard is held", async () => {
    const guard = `${lockDir}.takeover`;
    await mkdir(lockDir);
    await mkdir(guard);
    const old = new Date(Date.now() - 60_000);
    await utimes(lockDir, old, old);
    let done = false;
    const run = withFileLock(lockDir, opts, async () => (done = true));
    await sleep(200);
    assert.equal(done, false, "someone else is taking over");
    await rm(guard, { recursive: true });
    assert.equal(await run, true);
  });

  it("doesn't remove a lock that someone else took over in the meantime", async () => {
    await withFileLock(lockDir, opts, async () => {
      // As if we stalled past staleMs: another process removed our lock and took a new one.
      await rm(lockDir, { recursive: true });
      await sleep(5);
      await mkdir(lockDir);
    });
    assert.ok(existsSync(lockDir), "the other process's lock is left alone");
  });

  it("uses only fs/promises: no synchronous fs calls, no vscode", function () {
    const source = path.resolve(__dirname, "../../../src/history/fileLock.ts");
    assert.ok(existsSync(source), `source file to check is missing: ${source}`);
    const code = readFileSync(source, "utf8");
    assert.doesNotMatch(code, /Sync\s*\(/);
    assert.doesNotMatch(code, /from\s+["']vscode["']/);
  });
});
