// What the room suites watch on a running Softphone: a feed proven by the call window's own
// counters (packets and bytes rise, the audio is not silence, video frames keep decoding).
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MediaStats } from "../../src/protocol/callWindow";
import type { Softphone } from "../../src/softphone";
import type { RoomsServerCredentials } from "../../src/rooms/roomModel";
import { addBenchPhone, startPhoneBench, type PhoneBench } from "./phoneBench";
import { sleep, waitFor } from "./wait";

/** The bench's Janus and the settings the room suites run with. */
export const ROOMS_SERVER = "ws://127.0.0.1:8188";
export const roomSettings = () => ({ sipTrace: false, dtmfMode: "rfc4733" as const, roomsServer: ROOMS_SERVER });

export interface RoomPhones {
  bench: PhoneBench;
  /** The bench's own phone first; each has its own call window and no SIP account. */
  phones: Softphone[];
  /** Phone i's call window (the page it opened last). */
  page(i: number): Page;
  stop(): Promise<void>;
}

/** A bench with `count` phones for room tests. */
export async function startRoomPhones(
  name: string,
  count: number,
  options: {
    speechLike?: boolean;
    /** Phone i's rooms server (default the bench's Janus). */
    roomsServer?: (i: number) => string;
    /** The first phone's rooms server credentials (the extension keeps them in SecretStorage). */
    roomsCredentials?: () => Promise<RoomsServerCredentials>;
  } = {},
): Promise<RoomPhones> {
  const settingsOf = (i: number) => () => ({ ...roomSettings(), ...(options.roomsServer ? { roomsServer: options.roomsServer(i) } : {}) });
  const bench = await startPhoneBench(
    name,
    [],
    { settings: settingsOf(0), ...(options.roomsCredentials ? { roomsCredentials: options.roomsCredentials } : {}) },
    options.speechLike
      ? {
          microphoneFile: (dir) => writeSpeechLike(join(dir, "speech-like.wav")),
          // Three publishers and six subscriptions in one browser on two cores: cameras at 15 fps.
          browserArgs: ["--use-fake-device-for-media-stream=device-count=3,fps=15"],
        }
      : {},
  );
  const extra: Array<ReturnType<typeof addBenchPhone>> = [];
  const stop = async () => {
    for (const p of extra) await p.stop();
    await bench.stop();
  };
  try {
    for (let i = 1; i < count; i++) {
      const p = addBenchPhone(bench, `${name}-${i}`, { settings: settingsOf(i) });
      extra.push(p);
      await p.phone.start([]);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const pages = [bench.pages, ...extra.map((p) => p.pages)];
  const page = (i: number): Page => {
    const list = pages[i];
    if (!list?.length) throw new Error(`phone ${i} has no call window`);
    return list[list.length - 1];
  };
  return { bench, phones: [bench.phone, ...extra.map((p) => p.phone)], page, stop };
}

export async function sessionStats(phone: Softphone, sessionId: string): Promise<MediaStats> {
  const s = await phone.media.stats(sessionId);
  if (!s) throw new Error(`no stats for ${sessionId}`);
  return s;
}

/** The feed arrives: packets and bytes rise over 2.5 s, the audio is not silence, video frames decode. */
export async function assertFeedArrives(phone: Softphone, sessionId: string, who: string): Promise<void> {
  await waitFor(`${who}: first video frames`, async () => ((await sessionStats(phone, sessionId)).video?.framesDecoded ?? 0) > 5, 15000, 250);
  const a = await sessionStats(phone, sessionId);
  let level = 0;
  for (const end = Date.now() + 2500; Date.now() < end; await sleep(150)) level = Math.max(level, (await sessionStats(phone, sessionId)).inboundLevel);
  const b = await sessionStats(phone, sessionId);
  assert.ok(b.packetsReceived - a.packetsReceived > 50, `${who}: audio packets keep arriving (${a.packetsReceived} → ${b.packetsReceived})`);
  assert.ok(b.bytesReceived > a.bytesReceived, `${who}: bytes rise`);
  assert.ok(level > 0.01, `${who}: the audio is not silence (level ${level})`);
  assert.ok(b.video!.framesDecoded > a.video!.framesDecoded, `${who}: video frames keep being decoded (${a.video!.framesDecoded} → ${b.video!.framesDecoded})`);
}

/** Video frames from the feed keep being decoded (a screen share: video only). */
export async function assertVideoArrives(phone: Softphone, sessionId: string, who: string): Promise<void> {
  await waitFor(`${who}: first video frames`, async () => ((await sessionStats(phone, sessionId)).video?.framesDecoded ?? 0) > 5, 15000, 250);
  const a = await sessionStats(phone, sessionId);
  await sleep(2000);
  const b = await sessionStats(phone, sessionId);
  assert.ok(b.video!.framesDecoded - a.video!.framesDecoded > 5, `${who}: video frames keep being decoded (${a.video!.framesDecoded} → ${b.video!.framesDecoded})`);
  assert.ok(b.video!.bytesReceived > a.video!.bytesReceived, `${who}: video bytes rise`);
}

/** The audio level of a feed over `ms`: its loudest 150 ms sample. */
export async function peakLevel(phone: Softphone, sessionId: string, ms = 2500): Promise<number> {
  await sessionStats(phone, sessionId); // resets the energy counters' interval
  let level = 0;
  for (const end = Date.now() + ms; Date.now() < end; await sleep(150)) level = Math.max(level, (await sessionStats(phone, sessionId)).inboundLevel);
  return level;
}

/**
 * A WAV file that talks like a person to a level meter: 1.6 s of a warbling tone (pitch and
 * loudness moving, so noise suppression keeps it), then 1.4 s of silence, ten times. Chromium's
 * own fake microphone beeps too briefly for Janus to call it talking.
 */
export function writeSpeechLike(path: string): string {
  const rate = 48000;
  const samples = rate * 30;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write("WAVEfmt ", 8, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(samples * 2, 40);
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const inCycle = t % 3;
    let v = 0;
    if (inCycle < 1.6) {
      const hz = 220 + 120 * Math.sin(2 * Math.PI * 1.3 * t);
      phase += (2 * Math.PI * hz) / rate;
      const loudness = 0.25 + 0.15 * Math.sin(2 * Math.PI * 4 * t);
      v = loudness * Math.sin(phase);
    }
    buf.writeInt16LE(Math.round(v * 32767), 44 + i * 2);
  }
  writeFileSync(path, buf);
  return path;
}
