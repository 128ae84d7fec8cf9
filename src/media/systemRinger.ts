// Rings through the operating system's sound player when no call window is open: with every
// view and browser tab closed, an incoming call must still be heard. Best effort: a machine
// without a player (or without a sound device) just stays silent; the notification remains.
import { spawn, type ChildProcess } from "node:child_process";

export interface Ringer {
  start(): void;
  stop(): void;
}

/** The player commands to try, in order, for a platform. Pure, so it is unit-tested. */
export function playerCommands(platform: NodeJS.Platform, wav: string): Array<{ cmd: string; args: string[] }> {
  switch (platform) {
    case "darwin":
      return [{ cmd: "afplay", args: [wav] }];
    case "win32":
      return [{ cmd: "powershell.exe", args: ["-NoProfile", "-NonInteractive", "-Command", `(New-Object Media.SoundPlayer '${wav.replace(/'/g, "''")}').PlaySync()`] }];
    default:
      return [
        { cmd: "paplay", args: [wav] },
        { cmd: "pw-play", args: [wav] },
        { cmd: "aplay", args: ["-q", wav] },
      ];
  }
}

export class SystemRinger implements Ringer {
  private ringing = false;
  private child: ChildProcess | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Index of the first player that worked (or is still to be tried). */
  private playerIndex = 0;

  constructor(
    private readonly wav: string,
    private readonly platform: NodeJS.Platform = process.platform,
    private readonly gapMs = 2000,
  ) {}

  start(): void {
    if (this.ringing) return;
    this.ringing = true;
    this.playOnce();
  }

  stop(): void {
    this.ringing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.child?.kill();
    this.child = undefined;
  }

  private playOnce(): void {
    const players = playerCommands(this.platform, this.wav);
    const player = players[this.playerIndex];
    if (!this.ringing || !player) return;
    const child = spawn(player.cmd, player.args, { stdio: "ignore", windowsHide: true });
    this.child = child;
    child.on("error", () => {
      // Not installed: try the next player right away.
      if (this.child !== child) return;
      this.playerIndex++;
      this.playOnce();
    });
    child.on("exit", () => {
      if (this.child !== child || !this.ringing) return;
      this.timer = setTimeout(() => this.playOnce(), this.gapMs);
      this.timer.unref?.();
    });
  }
}
