import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { playerCommands, SystemRinger, type PlayerCommand } from "../../src/media/systemRinger";
import { alive, standInPlayers, type StandInPlayers } from "../support/players";
import { sleep, waitFor } from "../support/wait";

describe("systemRinger", () => {
  it("uses afplay on macOS, PowerShell's SoundPlayer on Windows, PulseAudio/PipeWire/ALSA on Linux", () => {
    assert.deepEqual(playerCommands("darwin", "/x/ring.wav"), [{ cmd: "afplay", args: ["/x/ring.wav"] }]);
    const win = playerCommands("win32", "C:\\it's\\ring.wav");
    assert.equal(win[0].cmd, "powershell.exe");
    assert.match(win[0].args.at(-1)!, /SoundPlayer 'C:\\it''s\\ring\.wav'/, "quotes in the path are escaped for PowerShell");
    assert.deepEqual(playerCommands("linux", "/r.wav").map((p) => p.cmd), ["paplay", "pw-play", "aplay"]);
  });

  // Real child processes: the stand-in players (test/support/players.ts) are shell scripts.
  describe("playing through stand-in players (real processes)", function () {
    if (process.platform === "win32") return;
    let dir: string;
    let players: StandInPlayers;
    let ringer: SystemRinger | undefined;
    const wav = "/media/ring.wav";
    const ringWith = (list: (p: StandInPlayers) => string[], gapMs = 50) => {
      ringer = new SystemRinger(wav, { gapMs, players: (w): PlayerCommand[] => list(players).map((cmd) => ({ cmd, args: [w] })) });
      return ringer;
    };
    const starts = () => players.log().filter((e) => e.event === "start");

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "ringer-"));
      players = standInPlayers(dir);
    });
    afterEach(() => {
      ringer?.stop();
      ringer = undefined;
      for (const e of players.log()) if (alive(e.pid)) process.kill(e.pid, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    });

    it("start runs the first player with the ring file; stop kills that process", async () => {
      const r = ringWith((p) => [p.playing, p.failing]);
      r.start();
      const [first] = await waitFor("the player started", () => starts().length > 0 && starts());
      assert.equal(first.args, wav, "the player is given the ring file");
      assert.ok(alive(first.pid), "the player is running");
      r.stop();
      await waitFor(`player process ${first.pid} gone after stop()`, () => !alive(first.pid), 3000);
      await sleep(200); // several gaps: nothing may start again
      assert.deepEqual(players.log(), [first], "nothing else ran");
    });

    it("start is idempotent: ringing twice runs one player", async () => {
      const r = ringWith((p) => [p.playing]);
      r.start();
      r.start();
      await waitFor("the player started", () => starts().length > 0);
      await sleep(200);
      assert.equal(starts().length, 1, JSON.stringify(players.log()));
    });

    it("a player that is not installed (ENOENT) makes way for the next one", async () => {
      const r = ringWith((p) => [p.missing, p.playing]);
      r.start();
      const [first] = await waitFor("the second player started", () => starts().length > 0 && starts());
      assert.equal(first.args, wav);
      r.stop();
      await waitFor("player gone after stop()", () => !alive(first.pid), 3000);
    });

    it("a player that exits with an error status makes way for the next one", async () => {
      const r = ringWith((p) => [p.failing, p.playing]);
      r.start();
      await waitFor("the second player started", () => starts().length > 0, 3000);
      await sleep(200);
      assert.deepEqual(players.log().map((e) => e.event), ["fail", "start"], "the failing player is tried once, then the next one plays");
    });

    it("replays after the gap while ringing; nothing runs after stop", async () => {
      const r = ringWith((p) => [p.playsOnce], 100);
      r.start();
      await waitFor("three plays", () => starts().length >= 3, 5000);
      r.stop();
      const n = starts().length;
      await sleep(400);
      assert.equal(starts().length, n, "no play after stop()");
    });

    it("stays silent, without error, when no player exists or every player fails", async () => {
      const r = ringWith((p) => [p.missing, p.failing, p.missing]);
      r.start();
      await sleep(300);
      assert.deepEqual(players.log().map((e) => e.event), ["fail"], "each player tried once, in order, then silence");
      r.stop();
      r.stop();
    });
  });
});
