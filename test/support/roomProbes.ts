// What the room suites watch on a running Softphone: a feed proven by the call window's own
// counters (packets and bytes rise, the audio is not silence, video frames keep decoding).
import assert from "node:assert/strict";
import type { MediaStats } from "../../src/protocol/callWindow";
import type { Softphone } from "../../src/softphone";
import { addBenchPhone, startPhoneBench, type PhoneBench } from "./phoneBench";
import { sleep, waitFor } from "./wait";

/** The bench's Janus and the settings the room suites run with. */
export const ROOMS_SERVER = "ws://127.0.0.1:8188";
export const roomSettings = () => ({ sipTrace: false, dtmfMode: "rfc4733" as const, roomsServer: ROOMS_SERVER });

export interface RoomPhones {
  bench: PhoneBench;
  /** The bench's own phone first; each has its own call window and no SIP account. */
  phones: Softphone[];
  stop(): Promise<void>;
}

/** A bench with `count` phones for room tests. */
export async function startRoomPhones(name: string, count: number): Promise<RoomPhones> {
  const bench = await startPhoneBench(name, [], { settings: roomSettings });
  const extra: Array<ReturnType<typeof addBenchPhone>> = [];
  const stop = async () => {
    for (const p of extra) await p.stop();
    await bench.stop();
  };
  try {
    for (let i = 1; i < count; i++) {
      const p = addBenchPhone(bench, `${name}-${i}`, { settings: roomSettings });
      extra.push(p);
      await p.phone.start([]);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { bench, phones: [bench.phone, ...extra.map((p) => p.phone)], stop };
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
