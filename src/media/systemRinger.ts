// Rings through the operating system's sound player when no call window is open: with every
// view and browser tab closed, an incoming call must still be heard. Best effort: a machine
// without a player (or without a sound device) just stays silent; the notification remains.
// Players are tried in order: one that is missing or exits with an error status makes way for
// the next; the first that plays is replayed after a gap until the ringing stops.
import { spawn, type ChildProcess } from "node:child_process";

export interface Ringer {
  start(): void;
  stop(): void;
}

export type PlayerCommand = { cmd: string; args: string[] };

/** The player commands to try, in order, for a platform. Pure, so it is unit-tested. */
export function playerCommands(platform: NodeJS.Platform, wav: string): PlayerCommand[] {
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

export interface SystemRingerOptions {
  platform?: NodeJS.Platform;
  /** Pause between two plays of the ring sound. */
  gapMs?: number;
  /** The players to try, in order; defaults to playerCommands(platform, wav). */
  players?: (wav: string) => PlayerCommand[];
}

export class SystemRinger implements Ringer {
  private ringing = false;
  private child: ChildProcess | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Index of the first player that worked (or is still to be tried). */
  private playerIndex = 0;
  private readonly players: PlayerCommand[];
  private readonly gapMs: number;

  constructor(wav: string, options: SystemRingerOptions = {}) {
    const platform = options.platform ?? process.platform;
    this.players = (options.players ?? ((w) => playerCommands(platform, w)))(wav);
    this.gapMs = options.gapMs ?? 2000;
  }

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
    this.timer = undefined;
    const player = this.players[this.playerIndex];
    if (!this.ringing || !player) return;
    const child = spawn(player.cmd, player.args, { stdio: "ignore", windowsHide: true });
    this.child = child;
    let done = false;
    const finished = (failed: boolean) => {
      // "error" and "exit" may both arrive for one child: act on the first only, and not at all
      // once this child was stopped or replaced.
      if (done) return;
      done = true;
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.ringing) return;
      if (failed) {
        // Not installed, not runnable, or no sound server/device for it: try the next player now.
        this.playerIndex++;
        this.playOnce();
      } else {
        this.timer = setTimeout(() => this.playOnce(), this.gapMs);
        this.timer.unref?.();
      }
    };
    child.on("error", () => finished(true));
    // A non-zero status is the player failing; a signal is someone else stopping it: ring again.
    child.on("exit", (code) => finished(code !== null && code !== 0));
  }
}
