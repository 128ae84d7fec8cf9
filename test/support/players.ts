// MOCK: stand-in sound players for the system ringer. The machines the tests run on have no
// sound device (and none of paplay / pw-play / aplay), so these shell scripts take the players'
// place: real child processes that record "<event> <pid> <args>" lines in a log file, so a test
// can see which player was started, with which file, and whether that process is still alive.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface PlayerStart {
  event: "start" | "fail";
  pid: number;
  args: string;
}

export interface StandInPlayers {
  /** Records "start", then keeps "playing" (sleeps) until it is killed. */
  playing: string;
  /** Records "start" and exits 0 at once, as a player does at the end of the sound. */
  playsOnce: string;
  /** Records "fail" and exits 1 at once, as paplay does without a sound server. */
  failing: string;
  /** A command that does not exist: spawning it fails with ENOENT. */
  missing: string;
  /** What the stand-ins recorded, oldest first. */
  log(): PlayerStart[];
}

export function standInPlayers(dir: string): StandInPlayers {
  const logFile = join(dir, "players.log");
  const script = (name: string, event: string, tail: string) => {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\necho "${event} $$ $*" >> '${logFile}'\n${tail}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  return {
    playing: script("playing-player", "start", "exec sleep 60"),
    playsOnce: script("plays-once-player", "start", "exit 0"),
    failing: script("failing-player", "fail", "exit 1"),
    missing: join(dir, "no-such-player"),
    log: () =>
      existsSync(logFile)
        ? readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((line) => {
            const [event, pid, ...args] = line.split(" ");
            return { event: event as PlayerStart["event"], pid: Number(pid), args: args.join(" ") };
          })
        : [],
  };
}

/** Whether a process with this pid exists (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
