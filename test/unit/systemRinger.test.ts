import assert from "node:assert/strict";
import { playerCommands, SystemRinger } from "../../src/media/systemRinger";

describe("systemRinger", () => {
  it("uses afplay on macOS, PowerShell's SoundPlayer on Windows, PulseAudio/PipeWire/ALSA on Linux", () => {
    assert.deepEqual(playerCommands("darwin", "/x/ring.wav"), [{ cmd: "afplay", args: ["/x/ring.wav"] }]);
    const win = playerCommands("win32", "C:\\it's\\ring.wav");
    assert.equal(win[0].cmd, "powershell.exe");
    assert.match(win[0].args.at(-1)!, /SoundPlayer 'C:\\it''s\\ring\.wav'/, "quotes in the path are escaped for PowerShell");
    assert.deepEqual(playerCommands("linux", "/r.wav").map((p) => p.cmd), ["paplay", "pw-play", "aplay"]);
  });

  it("stays silent without a player and can be stopped at any time", async () => {
    // On this machine none of the Linux players is installed: every spawn fails with ENOENT.
    const ringer = new SystemRinger("/nonexistent/ring.wav", "linux", 10);
    ringer.start();
    ringer.start(); // idempotent
    await new Promise((r) => setTimeout(r, 100));
    ringer.stop();
    ringer.stop();
  });
});
