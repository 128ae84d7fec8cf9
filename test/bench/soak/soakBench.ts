// The soak section of `npm run bench` (see the header of test/bench/bench.ts): many calls in a
// row to baresip (dial, wait in call, hold SOAK_HOLD_MS, hang up, wait cleared and baresip free),
// sampling what could leak, at the start (after warm-up calls), every SAMPLE_EVERY calls and at
// the end. Before each sample the phone settles: every cleared call has left calls.views() (the
// CallManager keeps a cleared call 20 s), the call window has no media session left, then
// garbage collections in both processes.
//   extension host (this process: the Softphone runs in-process)
//       RSS and V8 heapUsed after forced GCs; process.getActiveResourcesInfo() by type
//       (Timeout, TCPSocketWrap, …): the timers and handles alive
//   call window (CDP on its page)
//       JS heap after HeapProfiler.collectGarbage (Runtime.getHeapUsage usedSize; the isolate's
//       heap: pages sharing the call window's renderer process count too); RTCPeerConnection
//       objects still alive after that GC (Runtime.queryObjects on its prototype: closed ones a
//       reference still holds count, they are what leaks) and how many of them are not closed;
//       media sessions (softphoneCallWindow.sessionCount()); Memory.getDOMCounters (documents,
//       nodes, JS event listeners; the renderer process's); pending timeouts and intervals
//       (SOAK_WINDOW_INIT, installed before the call window opens, counts them)
//   per call: dial → incall (calls.onDidChange, as bench.ts's audio rounds) and hangup → cleared
// Goals (informational): host RSS growth < 10 MB and call window heap growth < 10 MB over the
// calls; no growth of host timers/handles, peer connections, event listeners, DOM nodes, window
// timers (end ≤ start; at the end the counters that grew get up to END_SETTLE_MS more to come
// back: the call window replaces its prepared peer connections every 2 min and keeps a
// withdrawn offer 30 s, sip.js's transactions end on timers).
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import type { Softphone } from "../../../src/softphone";
import { PBX, type Pbx } from "../../support/pbx";
import { sleep, waitFor } from "../../support/wait";
import { errorText, fmt, median } from "../lib/measure";

const SAMPLE_EVERY = 50;
const HOLD_MS = 1000;
const WARMUP_CALLS = 3;
const END_SETTLE_MS = 35000;
const GOAL_MB = 10;

/**
 * Counts the call window's pending timeouts and intervals (added with browser.addInitScript
 * before the call window opens; other pages are left alone, but for the soak's plain sip.js page,
 * opened at #soak). Source text: it runs in the page.
 */
export const SOAK_WINDOW_INIT = `(() => {
  if (!location.pathname.startsWith("/call/") && location.hash !== "#soak") return;
  const timeouts = new Set(), intervals = new Set();
  const st = setTimeout, ct = clearTimeout, si = setInterval, ci = clearInterval;
  globalThis.setTimeout = function (fn, ms, ...args) {
    let id;
    const run = typeof fn === "function" ? function (...a) { timeouts.delete(id); return fn.apply(this, a); } : fn;
    id = st.call(globalThis, run, ms, ...args);
    timeouts.add(id);
    return id;
  };
  globalThis.setInterval = function (fn, ms, ...args) {
    const id = si.call(globalThis, fn, ms, ...args);
    intervals.add(id);
    return id;
  };
  globalThis.clearTimeout = function (id) { timeouts.delete(id); intervals.delete(id); return ct.call(globalThis, id); };
  globalThis.clearInterval = function (id) { timeouts.delete(id); intervals.delete(id); return ci.call(globalThis, id); };
  Object.defineProperty(globalThis, "__soakTimers", { value: () => ({ timeouts: timeouts.size, intervals: intervals.size }) });
})();`;

export interface SoakBenchOptions {
  /** The call window's Chromium. */
  browser: BrowserContext;
  /** A started Softphone whose account `accountId` is registered. */
  phone: Softphone;
  accountId: string;
  /** The call window page (it opens on the first call if it is not open yet). */
  callWindow: () => Page | undefined;
  pbx: Pbx;
  /** Calls counted (after WARMUP_CALLS). */
  calls: number;
  /** A full garbage collection of this process (bench.ts runs with --expose-gc). */
  hostGc: () => void;
  /**
   * Optional: a plain sip.js page (test/bench/page/plainSipjs.ts, registered, another site than
   * the call window so that it has a renderer process and heap of its own, opened at #soak) that
   * makes the same calls afterwards, for comparison.
   */
  plainPage?: Page;
}

export interface SoakBenchResult {
  lines: string[];
  missing: string[];
}

interface Sample {
  /** counted calls made before this sample */
  calls: number;
  rss: number;
  heap: number;
  /** process.getActiveResourcesInfo() by type */
  resources: Record<string, number>;
  winHeap: number;
  pcLive: number;
  pcOpen: number;
  sessions: number;
  documents: number;
  nodes: number;
  listeners: number;
  timeouts: number;
  intervals: number;
  /** ms the settle took (cleared calls leaving the CallManager) */
  settleMs: number;
}

interface CallTimes {
  setup: number;
  teardown: number;
}

const mb = (b: number) => (Number.isFinite(b) ? `${(b / 1048576).toFixed(1)}` : "n/a");
const signedMb = (b: number) => (Number.isFinite(b) ? `${b >= 0 ? "+" : ""}${(b / 1048576).toFixed(1)} MB` : "n/a");
const p95 = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] : NaN;
};
const num = (x: number) => (Number.isFinite(x) ? String(x) : "n/a");

/** The call window's counters over one CDP session; every object it hands out is released. */
async function windowProbe(browser: BrowserContext, page: Page) {
  const cdp: CDPSession = await browser.newCDPSession(page);
  const group = "soak";
  return {
    async read(): Promise<Pick<Sample, "winHeap" | "pcLive" | "pcOpen" | "sessions" | "documents" | "nodes" | "listeners" | "timeouts" | "intervals">> {
      await cdp.send("HeapProfiler.collectGarbage");
      await cdp.send("HeapProfiler.collectGarbage");
      const heap = await cdp.send("Runtime.getHeapUsage");
      let pcLive = NaN;
      let pcOpen = NaN;
      try {
        const proto = await cdp.send("Runtime.evaluate", { expression: "RTCPeerConnection.prototype", objectGroup: group });
        if (proto.result.objectId) {
          // queryObjects collects garbage first: what it finds is held by something.
          const found = await cdp.send("Runtime.queryObjects", { prototypeObjectId: proto.result.objectId, objectGroup: group });
          const counts = await cdp.send("Runtime.callFunctionOn", {
            objectId: found.objects.objectId!,
            functionDeclaration: "function () { return [this.length, this.filter((pc) => pc.signalingState !== 'closed').length]; }",
            returnByValue: true,
          });
          [pcLive, pcOpen] = counts.result.value as [number, number];
        }
      } finally {
        await cdp.send("Runtime.releaseObjectGroup", { objectGroup: group }).catch(() => undefined);
      }
      const dom = await cdp.send("Memory.getDOMCounters");
      const page = await cdp.send("Runtime.evaluate", {
        expression: "({ sessions: globalThis.softphoneCallWindow?.sessionCount() ?? NaN, ...(globalThis.__soakTimers?.() ?? { timeouts: NaN, intervals: NaN }) })",
        returnByValue: true,
      });
      const v = page.result.value as { sessions: number | null; timeouts: number | null; intervals: number | null };
      return {
        winHeap: heap.usedSize,
        pcLive,
        pcOpen,
        sessions: v.sessions ?? NaN,
        documents: dom.documents,
        nodes: dom.nodes,
        listeners: dom.jsEventListeners,
        timeouts: v.timeouts ?? NaN,
        intervals: v.intervals ?? NaN,
      };
    },
    close: () => cdp.detach().catch(() => undefined),
  };
}

function hostResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of process.getActiveResourcesInfo()) counts[t] = (counts[t] ?? 0) + 1;
  return counts;
}

type PageSample = Omit<Sample, "rss" | "heap" | "resources" | "settleMs">;

/** The plain page's soak: `calls` calls (+ warm-up), sampled as the call window is. */
async function plainSoak(browser: BrowserContext, page: Page, calls: number, calleeIdle: () => Promise<unknown>): Promise<{ samples: PageSample[]; times: number[]; failures: string[] }> {
  const target = `sip:${PBX.phone}@${PBX.domain}`;
  const failures: string[] = [];
  const call = async (): Promise<number> => {
    try {
      const r = (await page.evaluate(([t, hold]) => (globalThis as any).plainSipjs.call(t, hold), [target, HOLD_MS] as const)) as { incallMs: number };
      await calleeIdle();
      return r.incallMs;
    } catch (err) {
      failures.push(errorText(err));
      await calleeIdle().catch(() => undefined);
      return NaN;
    }
  };
  for (let i = 0; i < WARMUP_CALLS; i++) await call();
  const probe = await windowProbe(browser, page);
  try {
    const sample = async (n: number): Promise<PageSample> => {
      await sleep(1000);
      return { calls: n, ...(await probe.read()) };
    };
    const samples = [await sample(0)];
    const times: number[] = [];
    for (let i = 1; i <= calls; i++) {
      times.push(await call());
      if (i % SAMPLE_EVERY === 0 || i === calls) samples.push(await sample(i));
    }
    return { samples, times, failures };
  } finally {
    await probe.close();
  }
}

export async function soakBench(o: SoakBenchOptions): Promise<SoakBenchResult> {
  const lines: string[] = [];
  const missing: string[] = [];
  const say = (s: string) => lines.push(s);
  const sp = o.phone;
  const failures: string[] = [];

  const calleeIdle = () => waitFor("baresip idle", async () => /calls \(0\)/i.test(await o.pbx.baresip("listcalls")), 5000, 20);
  /** One call; NaN times when it failed (and it is hung up and waited for anyway). */
  const call = async (): Promise<CallTimes> => {
    let id: string | undefined;
    let incallAt = 0;
    const sub = sp.calls.onDidChange(() => {
      if (!incallAt && id && sp.calls.get(id)?.state === "incall") incallAt = Date.now();
    });
    try {
      const t0 = Date.now();
      id = await sp.calls.dial(PBX.phone, { accountId: o.accountId });
      if (!incallAt && sp.calls.get(id)?.state === "incall") incallAt = Date.now();
      await waitFor("incall", () => incallAt, 15000, 5);
      await sleep(HOLD_MS);
      const t1 = Date.now();
      await sp.calls.hangup(id);
      const callId = id;
      await waitFor("cleared", () => sp.calls.get(callId)?.state === "cleared", 15000, 5);
      const teardown = Date.now() - t1;
      await calleeIdle();
      return { setup: incallAt - t0, teardown };
    } catch (err) {
      failures.push(errorText(err));
      console.error(`bench: soak: a call failed: ${errorText(err)}`);
      for (const c of sp.calls.views()) if (c.state !== "cleared") await sp.calls.hangup(c.id).catch(() => undefined);
      await calleeIdle().catch(() => o.pbx.baresip("hangup").catch(() => undefined));
      return { setup: NaN, teardown: NaN };
    } finally {
      sub.dispose();
    }
  };

  for (let i = 0; i < WARMUP_CALLS; i++) await call();
  const win = o.callWindow();
  if (!win) {
    missing.push("soak: no call window");
    return { lines, missing };
  }
  const probe = await windowProbe(o.browser, win);
  const settle = async (): Promise<number> => {
    const t0 = Date.now();
    await waitFor("cleared calls gone", () => sp.calls.views().length === 0, 30000, 100).catch(() => undefined);
    await waitFor("no media session", async () => (await win.evaluate(() => (globalThis as any).softphoneCallWindow?.sessionCount() ?? 0)) === 0, 10000, 100).catch(() => undefined);
    await sleep(500);
    return Date.now() - t0;
  };
  const sample = async (calls: number): Promise<Sample> => {
    const settleMs = await settle();
    o.hostGc();
    o.hostGc();
    const mem = process.memoryUsage();
    const w = await probe.read();
    return { calls, rss: mem.rss, heap: mem.heapUsed, resources: hostResources(), ...w, settleMs };
  };

  const samples: Sample[] = [];
  const times: CallTimes[] = [];
  const t0 = Date.now();
  try {
    samples.push(await sample(0));
    for (let i = 1; i <= o.calls; i++) {
      times.push(await call());
      // Many failures in a row: the PBX is gone; the figures would say nothing.
      if (times.length >= 5 && times.slice(-5).every((t) => !Number.isFinite(t.setup))) {
        missing.push(`soak: 5 calls in a row failed after ${i} calls (${failures.at(-1)})`);
        break;
      }
      if (i % SAMPLE_EVERY === 0 || i === o.calls) samples.push(await sample(i));
    }
    // The end: counters above the start get a little longer to come back (see the header).
    const start = samples[0];
    let end = samples[samples.length - 1];
    const grew = (s: Sample) =>
      s.pcLive > start.pcLive || s.pcOpen > start.pcOpen || s.sessions > start.sessions || s.listeners > start.listeners || s.nodes > start.nodes ||
      s.timeouts > start.timeouts || s.intervals > start.intervals || Object.entries(s.resources).some(([k, n]) => n > (start.resources[k] ?? 0));
    const settleEnd = Date.now() + END_SETTLE_MS;
    let extra = 0;
    while (grew(end) && Date.now() < settleEnd) {
      await sleep(5000);
      extra = END_SETTLE_MS - (settleEnd - Date.now());
      end = { ...(await sample(end.calls)), settleMs: end.settleMs + extra };
    }
    if (end !== samples[samples.length - 1]) samples[samples.length - 1] = end;
    const plain = o.plainPage ? await plainSoak(o.browser, o.plainPage, times.length, calleeIdle) : undefined;

    // ---- report ----
    const total = times.length;
    const elapsed = (Date.now() - t0) / 1000;
    say(`soak — ${total} calls in a row (+${WARMUP_CALLS} warm-up) from ${o.accountId} to baresip: dial, in call, hold ${HOLD_MS} ms, hang up, cleared, baresip idle; ${elapsed.toFixed(0)} s`);
    say(`  samples after a settle (cleared calls gone from the CallManager, no media session, GC in both processes)`);
    const resourceTypes = [...new Set(samples.flatMap((s) => Object.keys(s.resources)))].sort();
    const W = [6, 10, 10, 12, 11, 10, 10, 9, 11, 11, 12, 16, 17];
    const row = (cells: string[]) => cells.map((c, i) => c.padStart(W[i])).join("");
    say(row(["calls", "host RSS", "host heap", "host timers", "host other", "win heap", "PCs/open", "media", "DOM nodes", "listeners", "win timers", "setup med/p95", "hangup→cleared"]));
    say(row(["", "MB", "MB", "(Timeout)", "handles", "MB", "", "sessions", "", "(JS)", "(to/iv)", "(block)", "med/p95 (block)"]));
    samples.forEach((s, k) => {
      const block = k === 0 ? [] : times.slice(samples[k - 1].calls, s.calls);
      const others = Object.entries(s.resources).filter(([t]) => t !== "Timeout").reduce((a, [, n]) => a + n, 0);
      const setup = block.map((t) => t.setup);
      const down = block.map((t) => t.teardown);
      say(row([
        String(s.calls), mb(s.rss), mb(s.heap), num(s.resources.Timeout ?? 0), String(others), mb(s.winHeap), `${num(s.pcLive)}/${num(s.pcOpen)}`, num(s.sessions),
        num(s.nodes), num(s.listeners), `${num(s.timeouts)}/${num(s.intervals)}`,
        block.length ? `${fmt(median(setup))}/${fmt(p95(setup))}`.replace(/ ms/g, "") + " ms" : "",
        block.length ? `${fmt(median(down))}/${fmt(p95(down))}`.replace(/ ms/g, "") + " ms" : "",
      ]));
    });
    say(`  host handles by type, start → end: ${resourceTypes.map((t) => `${t} ${start.resources[t] ?? 0} → ${end.resources[t] ?? 0}`).join(", ")}`);
    say(`  call window documents ${start.documents} → ${end.documents}; settle before the last sample ${(end.settleMs / 1000).toFixed(1)} s`);
    const all = times.map((t) => t.setup);
    const ends = total >= 2 * SAMPLE_EVERY ? `; first ${SAMPLE_EVERY}: ${fmt(median(all.slice(0, SAMPLE_EVERY)))}, last ${SAMPLE_EVERY}: ${fmt(median(all.slice(-SAMPLE_EVERY)))}` : "";
    say(`  dial → incall over all calls: median ${fmt(median(all))}, p95 ${fmt(p95(all))}${ends}`);
    if (failures.length) say(`  ${failures.length} calls failed; first: ${failures[0]}`);

    const perCall = (d: number) => (total ? `${((d / total) * 1000).toFixed(3)}` : "n/a");
    const growth = (name: string, d: number) => {
      const verdict = Number.isFinite(d) ? (d < GOAL_MB * 1048576 ? "met" : "not met") : "not measured";
      say(`goal ${name} growth < ${GOAL_MB} MB: ${signedMb(d)} (${Number.isFinite(d) ? `${(d / 1024 / Math.max(1, total)).toFixed(1)} KB per call` : "n/a"}) — ${verdict}`);
    };
    growth("host RSS", end.rss - start.rss);
    say(`  (host heapUsed ${signedMb(end.heap - start.heap)})`);
    growth("call window heap", end.winHeap - start.winHeap);
    const counters: Array<[string, number, number]> = [
      ["host timers (Timeout)", start.resources.Timeout ?? 0, end.resources.Timeout ?? 0],
      ["host handles (other)", Object.entries(start.resources).filter(([t]) => t !== "Timeout").reduce((a, [, n]) => a + n, 0), Object.entries(end.resources).filter(([t]) => t !== "Timeout").reduce((a, [, n]) => a + n, 0)],
      ["peer connections alive", start.pcLive, end.pcLive],
      ["peer connections open", start.pcOpen, end.pcOpen],
      ["media sessions", start.sessions, end.sessions],
      ["call window JS event listeners", start.listeners, end.listeners],
      ["call window DOM nodes", start.nodes, end.nodes],
      ["call window timeouts", start.timeouts, end.timeouts],
      ["call window intervals", start.intervals, end.intervals],
    ];
    const notMet = counters.filter(([, a, b]) => !(b <= a));
    say(
      `goal no growth of timers, handles, peer connections, listeners: ${counters.map(([n, a, b]) => `${n} ${num(a)} → ${num(b)}`).join(", ")} — ${
        counters.some(([, a, b]) => !Number.isFinite(a) || !Number.isFinite(b)) ? "not measured" : notMet.length ? `not met (${notMet.map(([n, a, b]) => `${n} +${b - a}, ${perCall(b - a)} per 1000 calls`).join("; ")})` : "met"
      }`,
    );

    for (const s of samples) {
      for (const [k, v] of Object.entries({ rss: s.rss, "host heap": s.heap, "call window heap": s.winHeap, "peer connections": s.pcLive, "media sessions": s.sessions, "DOM counters": s.listeners, "call window timers": s.timeouts })) {
        if (!Number.isFinite(v)) missing.push(`soak: ${k} after ${s.calls} calls`);
      }
    }
    if (plain) {
      say(`plain sip.js page (sip.js standard), the same ${plain.times.length} calls afterwards (+${WARMUP_CALLS} warm-up), samples after 1 s and a GC; its own renderer process`);
      const P = [6, 10, 10, 11, 11, 12, 16];
      const prow = (cells: string[]) => cells.map((c, i) => c.padStart(P[i])).join("");
      say(prow(["calls", "heap MB", "PCs/open", "DOM nodes", "listeners", "timers", "setup med/p95"]));
      plain.samples.forEach((x, k) => {
        const block = k === 0 ? [] : plain.times.slice(plain.samples[k - 1].calls, x.calls);
        say(prow([String(x.calls), mb(x.winHeap), `${num(x.pcLive)}/${num(x.pcOpen)}`, num(x.nodes), num(x.listeners), `${num(x.timeouts)}/${num(x.intervals)}`, block.length ? `${fmt(median(block)).replace(/ ms/, "")}/${fmt(p95(block))}` : ""]));
      });
      const [a, b] = [plain.samples[0], plain.samples[plain.samples.length - 1]];
      say(`  heap growth: call window ${signedMb(end.winHeap - start.winHeap)}, plain page ${signedMb(b.winHeap - a.winHeap)}; peer connections alive ${num(a.pcLive)} → ${num(b.pcLive)}, listeners ${num(a.listeners)} → ${num(b.listeners)}, timers ${num(a.timeouts)}/${num(a.intervals)} → ${num(b.timeouts)}/${num(b.intervals)}`);
      if (plain.failures.length) say(`  ${plain.failures.length} plain calls failed; first: ${plain.failures[0]}`);
      for (const x of plain.samples) if (!Number.isFinite(x.winHeap) || !Number.isFinite(x.pcLive)) missing.push(`soak: plain page figures after ${x.calls} calls`);
      if (plain.failures.length) missing.push(`soak: ${plain.failures.length} plain page calls failed`);
    }
    if (failures.length) missing.push(`soak: ${failures.length} of ${total} calls failed`);
    if (total < o.calls) missing.push(`soak: ${total} of ${o.calls} calls made`);
  } catch (err) {
    missing.push(`soak: ${errorText(err)}`);
  } finally {
    await probe.close();
  }
  return { lines, missing };
}
