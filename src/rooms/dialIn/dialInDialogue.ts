// What a phone caller goes through before being put into a room: a prompt, the room's 6-digit
// number, then — for a room with a PIN — the PIN ended with "#". Three tries at each; a wrong
// entry plays the error tone. Written against small interfaces so it runs in unit tests with a
// scripted caller. No vscode import.
import type { RoomInfo } from "../roomModel";
import { DIAL_IN_CODE_LENGTH, MAX_PIN_DIGITS, roomForCode } from "./dialInCode";
import { toneFrames } from "./rtp";

/** What the dialogue needs of the caller's line. */
export interface CallerLine {
  play(frames: Buffer[]): Promise<void>;
  nextDigit(timeoutMs: number): Promise<string | undefined>;
  clearDigits(): void;
}

export const TONES = {
  /** Two short high beeps: "type the room's number". */
  roomNumber: toneFrames([{ hz: 880, ms: 150 }, { hz: 0, ms: 100 }, { hz: 880, ms: 150 }]),
  /** Three short beeps: "type the PIN, then #". */
  pin: toneFrames([{ hz: 660, ms: 120 }, { hz: 0, ms: 80 }, { hz: 660, ms: 120 }, { hz: 0, ms: 80 }, { hz: 660, ms: 120 }]),
  /** One low tone: "that was wrong". */
  error: toneFrames([{ hz: 300, ms: 600 }]),
};

export const TRIES = 3;

export interface DialogueTiming {
  /** How long the caller may take to press the first digit after a prompt. */
  firstDigitMs: number;
  /** … and each further digit. */
  nextDigitMs: number;
}

export const DEFAULT_TIMING: DialogueTiming = { firstDigitMs: 20000, nextDigitMs: 10000 };

export type DialogueResult<T> = { ok: true; room: RoomInfo; joined: T } | { ok: false; reason: string };

/** Thrown by `join` when the PIN was wrong (the caller may try again); anything else ends that room's attempt. */
export const isWrongPin = (err: unknown): boolean => err instanceof Error && /wrong PIN|needs a PIN/i.test(err.message);

/**
 * Runs the dialogue. `join` puts the caller into the room (with the PIN typed, if any) and
 * resolves with whatever the caller needs to keep; it throws to refuse.
 */
export async function runDialInDialogue<T>(
  line: CallerLine,
  rooms: () => Promise<RoomInfo[]>,
  join: (room: RoomInfo, pin: string | undefined) => Promise<T>,
  timing: DialogueTiming = DEFAULT_TIMING,
  log: (line: string) => void = () => undefined,
): Promise<DialogueResult<T>> {
  let lastReason = "the caller typed no room number";
  /** A refusal: said in the log, the error tone to the caller. */
  const refused = async (reason: string): Promise<void> => {
    lastReason = reason;
    log(`dial-in: ${reason}`);
    await line.play(TONES.error);
  };
  /** One try at joining; a failure is refused (logged, error tone) and handed back. */
  const tryJoin = async (room: RoomInfo, pin: string | undefined): Promise<{ joined: T } | { error: unknown }> => {
    try {
      return { joined: await join(room, pin) };
    } catch (error) {
      await refused(error instanceof Error ? error.message : String(error));
      return { error };
    }
  };
  for (let codeTry = 1; codeTry <= TRIES; codeTry++) {
    const code = await prompted(line, TONES.roomNumber, timing, { length: DIAL_IN_CODE_LENGTH });
    if (code === undefined) return { ok: false, reason: "the caller typed no room number in time" };
    const found = roomForCode(code, await rooms());
    if (!found.ok) {
      await refused(found.reason);
      continue;
    }
    const room = found.room;
    // An open room: no PIN to ask for (one try); a room with a PIN: up to three PINs, until a refusal that is not about the PIN.
    for (let pinTry = 1; pinTry <= (room.pinRequired ? TRIES : 1); pinTry++) {
      const pin = room.pinRequired ? await prompted(line, TONES.pin, timing, { max: MAX_PIN_DIGITS }) : undefined;
      if (room.pinRequired && pin === undefined) return { ok: false, reason: "the caller typed no PIN in time" };
      const attempt = await tryJoin(room, pin);
      if ("joined" in attempt) return { ok: true, room, joined: attempt.joined };
      if (!isWrongPin(attempt.error)) break;
    }
  }
  return { ok: false, reason: lastReason };
}

/**
 * Plays the prompt, then reads digits: exactly `length` of them, or up to "#" (not included) at
 * most `max`. "*" starts the entry again; "#" where no end is asked for is ignored. Undefined
 * when the caller stops typing (or hangs up).
 */
async function prompted(line: CallerLine, prompt: Buffer[], timing: DialogueTiming, entry: { length: number } | { max: number }): Promise<string | undefined> {
  line.clearDigits();
  await line.play(prompt);
  let digits = "";
  for (;;) {
    const digit = await line.nextDigit(digits ? timing.nextDigitMs : timing.firstDigitMs);
    if (digit === undefined) return undefined;
    if (digit === "*") {
      digits = "";
      continue;
    }
    if (digit === "#") {
      if ("max" in entry) return digits;
      continue;
    }
    digits += digit;
    if ("length" in entry ? digits.length === entry.length : digits.length >= entry.max) return digits;
  }
}
