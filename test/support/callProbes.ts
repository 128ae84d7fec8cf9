// What the integration suites watch on a running Softphone: a call's state, the next incoming
// call, and audio proven by the call window's own counters (packets rise, the level moves).
import assert from "node:assert/strict";
import type { MediaStats } from "../../src/protocol/callWindow";
import type { CallView } from "../../src/protocol/model";
import type { Softphone } from "../../src/softphone";
import { sleep, waitFor } from "./wait";

export function callView(phone: Softphone, id: string): CallView | undefined {
  return phone.calls.views().find((c) => c.id === id);
}

export function waitCallState(phone: Softphone, id: string, state: CallView["state"], ms = 15000): Promise<CallView> {
  return waitFor(`call ${id} to reach ${state}`, () => callView(phone, id)?.state === state && callView(phone, id)!, ms);
}

/** The next call that rings at `accountId` (any account when not given). */
export function nextIncoming(phone: Softphone, accountId?: string): Promise<CallView> {
  return new Promise((resolve) => {
    const sub = phone.calls.onIncoming((c) => {
      if (accountId && c.accountId !== accountId) return;
      sub.dispose();
      resolve(c);
    });
  });
}

export async function mediaStats(phone: Softphone, id: string): Promise<MediaStats> {
  const s = await phone.media.stats(id);
  if (!s) throw new Error(`no media stats for ${id}`);
  return s;
}

/** Audio reaches `id` from its far end over ~2.5 s: more than 50 packets, and a level above silence. */
export async function assertAudioArrives(phone: Softphone, id: string, who: string): Promise<void> {
  const p1 = (await mediaStats(phone, id)).packetsReceived;
  let level = 0;
  for (const end = Date.now() + 2500; Date.now() < end; await sleep(150)) level = Math.max(level, (await mediaStats(phone, id)).inboundLevel);
  const p2 = (await mediaStats(phone, id)).packetsReceived;
  assert.ok(p2 - p1 > 50, `${who}: audio packets keep arriving (${p1} → ${p2})`);
  assert.ok(level > 0.01, `${who}: the audio is not silence (level ${level})`);
}
