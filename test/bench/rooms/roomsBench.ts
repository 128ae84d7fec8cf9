// The rooms section of `npm run bench` (see the header of test/bench/bench.ts for what it prints):
//   join → first remote frame   ours against a raw Janus client page (rawJanus.ts), same Chromium
//   call window CPU and fps      with 1, 4 and 9 remote tiles
// Publishers are raw client pages in a second Chromium of their own (processes apart from the
// call window's), so the call window's renderer is measured alone.
import { readFileSync } from "node:fs";
import * as http from "node:http";
import { cpus } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { Softphone } from "../../../src/softphone";
import { launchBrowser } from "../../support/browser";
import { ROOMS_SERVER } from "../../support/roomProbes";
import { sleep, waitFor } from "../../support/wait";
import { cpuMeter, cpuPercent, errorText, fmt, median, pct, ratio } from "../lib/measure";

/** The raw client's page code (test/bench/page/rawJanus.ts, typed against the DOM: required, not imported). */
const { installRawJanus } = require("../page/rawJanus") as { installRawJanus: (layers: unknown) => void };

/** What the page's globalThis.rawJanus offers (test/bench/page/rawJanus.ts). */
interface RawJanus {
  connect(url: string): Promise<void>;
  createRoom(options: Record<string, unknown>): Promise<number>;
  destroyRoom(room: number, secret: string): Promise<void>;
  subscribe(room: number, feed: number, timeoutMs: number, substream?: number): Promise<{ startedMs: number; iceMs?: number; frameMs: number }>;
  unsubscribe(): Promise<void>;
  publish(room: number, display: string, fps: number, full: boolean): Promise<number>;
  publisherStats(): Promise<Array<Record<string, { framesEncoded: number; frameWidth?: number; limitation?: string }>>>;
  unpublishAll(): Promise<void>;
  close(): Promise<void>;
}

/** The call window's simulcast layers (webview/callwindow/mediaSession.ts SIMULCAST_LAYERS), janus.js's rids and order. */
const CALL_WINDOW_LAYERS = [
  { rid: "h", active: true, maxBitrate: 900_000 },
  { rid: "m", active: true, maxBitrate: 300_000, scaleResolutionDownBy: 2 },
  { rid: "l", active: true, maxBitrate: 100_000, scaleResolutionDownBy: 4 },
];

export interface RoomsBenchOptions {
  /** The call window's Chromium: the raw subscriber page opens there too. */
  browser: BrowserContext;
  /** A Softphone whose settings name the bench's Janus (roomsServer). */
  phone: Softphone;
  /** The call window page (it opens on the first join if it is not open yet). */
  callWindow: () => Page | undefined;
  runDir: string;
  /** The PBX's run directory (Janus's pid file). */
  pbxDir: string;
  /** Rounds of join → first frame per variant (+1 warm-up each). */
  rounds: number;
  /** Seconds of each CPU window. */
  cpuSeconds: number;
  /** The publishers' fake camera frame rate. */
  fps: number;
  tiles: number[];
}

export interface RoomsBenchResult {
  lines: string[];
  missing: string[];
}

/** ours; the raw client; the raw client asking the full layer right after start, as our stage tile does. */
type JoinVariant = "ours" | "raw" | "rawLayer";
const JOIN_VARIANTS: JoinVariant[] = ["ours", "raw", "rawLayer"];
/** Janus's simulcast substream of the full picture (src/rooms/roomService.ts SUBSTREAM.high). */
const SUBSTREAM_HIGH = 2;

interface JoinSample {
  /** ms from rooms.join() / the raw client's first request to the publisher's first frame */
  frame: number;
  /** ours: join() resolved (published our microphone, subscribed, answered); raw: "start" answered */
  started: number;
  /** until the subscription's ICE connected */
  ice: number;
}

interface TileFigure {
  tiles: number;
  /** the call window's renderer process / its main thread, % of one core */
  process: number;
  thread: number;
  /** the whole machine (all cores, every process), % of one core; Janus alone */
  machine: number;
  janus: number;
  /** received frames per second, per tile; the frame widths received */
  fps: number[];
  widths: number[];
  /** per tile: the simulcast layer it gets (h for the stage, m for a small tile), and its publisher's frames per second in that layer */
  layers: string[];
  sent: number[];
  limitations: string[];
  error?: string;
}

/** Janus's VideoRoom options as the product creates rooms (src/rooms/roomAdmin.ts), but room for 9 publishers besides us. */
const ROOM_OPTIONS = { description: "Bench room", secret: "bench", is_private: false, publishers: 10, audiocodec: "opus", videocodec: "vp8", notify_joining: true, audiolevel_event: true, audio_active_packets: 50, audio_level_average: 60 };
/** The widest frame a small tile's layer (m: half of 640) may have; the stage's (h) is wider. */
const LOW_MAX_WIDTH = 360;
const GOAL_TILES = 9;
const GOAL_FPS = 15;

function serveRawPage(): Promise<{ url: string; close(): void }> {
  const html = `<!doctype html><meta charset="utf-8"><title>raw Janus client</title><script>(${installRawJanus.toString()})(${JSON.stringify(CALL_WINDOW_LAYERS)});</script>`;
  const server = http.createServer((req, res) => {
    if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end(html);
    else res.writeHead(404).end();
  });
  // "localhost", not 127.0.0.1 as the call window: another site, so never the call window's renderer process.
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ url: `http://localhost:${(server.address() as { port: number }).port}/`, close: () => server.close() })));
}

type RawCall = { [K in keyof RawJanus]: RawJanus[K] extends (...a: infer A) => infer R ? (...a: A) => R : never };
/** Calls the page's rawJanus. */
function raw(page: Page): RawCall {
  return new Proxy({} as RawCall, {
    get:
      (_, name: string) =>
      (...args: unknown[]) =>
        page.evaluate(([n, a]) => (globalThis as any).rawJanus[n](...a), [name, args] as const),
  });
}

/** CPU seconds so far: the whole machine (from /proc/stat, all cores) and one process. */
function machineBusy(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) / 100; // clock ticks of 1/100 s
}
function processBusy(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (clock ticks of 1/100 s)
  } catch {
    return NaN;
  }
}

export async function roomsBench(o: RoomsBenchOptions): Promise<RoomsBenchResult> {
  const lines: string[] = [];
  const missing: string[] = [];
  const say = (s: string) => lines.push(s);
  const sp = o.phone;
  const page = await serveRawPage();
  let janusPid = NaN; // its CPU is printed as n/a without it
  try {
    janusPid = Number(readFileSync(join(o.pbxDir, "run/janus.pid"), "utf8").trim());
  } catch {
    /* not this PBX layout */
  }
  // The publishers: one page of a Chromium of their own, each publisher its own peer connection.
  const pubBrowser = await launchBrowser(join(o.runDir, "rooms-publishers"), [`--use-fake-device-for-media-stream=fps=${o.fps}`]);
  let rawPage: Page | undefined;
  let room: number | undefined;
  const pubPage = await pubBrowser.newPage();
  const pubs = raw(pubPage);
  try {
    await pubPage.goto(page.url);
    await pubs.connect(ROOMS_SERVER);
    room = await pubs.createRoom(ROOM_OPTIONS);
    const publishers: number[] = [await pubs.publish(room, "Pub 1", o.fps, true)];
    await waitFor("the first publisher to send", async () => ((await pubs.publisherStats())[0]?.h?.framesEncoded ?? 0) > 10, 15000, 200);

    // ---- join → first remote frame ----
    rawPage = await o.browser.newPage();
    await rawPage.goto(page.url);
    const rawJ = raw(rawPage);
    await rawJ.connect(ROOMS_SERVER); // kept open across rounds, as the Softphone keeps its connection
    const feed = publishers[0];
    const ours = async (): Promise<JoinSample> => {
      try {
        const t0 = Date.now();
        await sp.rooms.join(room!, { display: "Bench", video: false });
        const started = Date.now() - t0;
        const id = await waitFor("our subscription", () => sp.rooms.subscriptionSession(feed), 10000, 5);
        // firstFrameAt is the call window's Date.now() at the frame: polling only finds it.
        const st = await waitFor("first remote frame", async () => {
          const x = await sp.media.stats(id);
          return x?.firstFrameAt ? x : undefined;
        }, 10000, 50);
        return { frame: st.firstFrameAt! - t0, started, ice: (st.iceConnectedAt ?? NaN) - t0 };
      } catch (err) {
        console.error(`bench: rooms: our join failed: ${errorText(err)}`);
        return { frame: NaN, started: NaN, ice: NaN };
      } finally {
        await sp.rooms.leave().catch(() => undefined);
      }
    };
    const rawRound = async (substream?: number): Promise<JoinSample> => {
      try {
        const r = await rawJ.subscribe(room!, feed, 10000, substream);
        return { frame: r.frameMs, started: r.startedMs, ice: r.iceMs ?? NaN };
      } catch (err) {
        console.error(`bench: rooms: the raw client's join failed: ${errorText(err)}`);
        return { frame: NaN, started: NaN, ice: NaN };
      } finally {
        await rawJ.unsubscribe().catch(() => undefined);
      }
    };
    const run = async (v: JoinVariant) => {
      const s = v === "ours" ? await ours() : await rawRound(v === "rawLayer" ? SUBSTREAM_HIGH : undefined);
      await sleep(500);
      return s;
    };
    for (const v of JOIN_VARIANTS) await run(v); // warm-up: the call window opens, first decoders
    const samples: Record<JoinVariant, JoinSample[]> = { ours: [], raw: [], rawLayer: [] };
    for (let i = 0; i < o.rounds; i++) {
      for (const v of i % 2 === 0 ? JOIN_VARIANTS : [...JOIN_VARIANTS].reverse()) samples[v].push(await run(v));
    }
    await rawJ.close().catch(() => undefined);
    await rawPage.close();
    rawPage = undefined;

    // ---- the call window with 1, 4, 9 remote tiles ----
    const figures: TileFigure[] = [];
    await sp.rooms.join(room, { display: "Bench", video: false });
    for (const n of o.tiles) {
      let fig: TileFigure = { tiles: n, process: NaN, thread: NaN, machine: NaN, janus: NaN, fps: [], widths: [], layers: [], sent: [], limitations: [] };
      try {
        while (publishers.length < n) publishers.push(await pubs.publish(room, `Pub ${publishers.length + 1}`, o.fps, false));
        const feeds = publishers.slice(0, n);
        const sessions = await waitFor(`${n} subscriptions`, () => {
          const ids = feeds.map((f) => sp.rooms.subscriptionSession(f));
          return ids.every((x) => x) ? (ids as string[]) : undefined;
        }, 20000, 100);
        const stats = () => Promise.all(sessions.map(async (id) => (await sp.media.stats(id))?.video));
        // The call window asks the stage tile's full layer and the small tiles' half (RoomStage):
        // measure once every tile decodes and the layers are what the tiles asked for.
        const settled = (v: Awaited<ReturnType<typeof stats>>) => {
          const w = v.map((x) => x?.frameWidth ?? 0);
          if (v.some((x) => !x?.framesDecoded) || w.some((x) => !x)) return false;
          return n === 1 ? w[0] > LOW_MAX_WIDTH : w.filter((x) => x > LOW_MAX_WIDTH).length === 1;
        };
        await waitFor(`${n} tiles decoding in their layers`, async () => settled(await stats()), 30000, 500).catch((err) => console.error(`bench: rooms: ${errorText(err)}; measuring anyway`));
        await sleep(2000); // the layer switches and the decoders settle
        const win = o.callWindow();
        if (!win) throw new Error("no call window");
        const meter = await cpuMeter(o.browser, win);
        /** The tiles' and the publishers' frame counters, read together. */
        const counters = async () => {
          const at = Date.now();
          const [tiles, sent] = await Promise.all([stats(), pubs.publisherStats()]);
          return { at, tiles, sent };
        };
        const busy = async () => ({ machine: machineBusy(), janus: processBusy(janusPid), cpu: await meter.read(), at: Date.now() });
        const c0 = await counters();
        const b0 = await busy();
        await sleep(o.cpuSeconds * 1000);
        const b1 = await busy();
        const c1 = await counters();
        await meter.close();
        const dt = (c1.at - c0.at) / 1000;
        const bt = (b1.at - b0.at) / 1000;
        const cpu = cpuPercent(b0.cpu, b1.cpu);
        const widths = c1.tiles.map((x) => x?.frameWidth ?? NaN);
        // The layer each tile gets from its publisher: h for the stage (wider than a small tile's m).
        const layers = widths.map((w) => (w > LOW_MAX_WIDTH ? "h" : "m"));
        fig = {
          ...fig,
          process: cpu.process,
          thread: cpu.thread,
          machine: ((b1.machine - b0.machine) / bt) * 100,
          janus: ((b1.janus - b0.janus) / bt) * 100,
          fps: c1.tiles.map((x, i) => ((x?.framesDecoded ?? NaN) - (c0.tiles[i]?.framesDecoded ?? NaN)) / dt),
          widths,
          layers,
          sent: layers.map((rid, i) => ((c1.sent[i]?.[rid]?.framesEncoded ?? NaN) - (c0.sent[i]?.[rid]?.framesEncoded ?? NaN)) / dt),
          limitations: [...new Set(c1.sent.slice(0, n).flatMap((p) => Object.values(p).map((x) => x.limitation ?? "?")).filter((x) => x !== "none"))],
        };
      } catch (err) {
        fig.error = errorText(err);
      }
      figures.push(fig);
    }
    await sp.rooms.leave().catch(() => undefined);

    // ---- report ----
    const jm = (v: JoinVariant, k: keyof JoinSample) => median(samples[v].map((x) => x[k]));
    const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");
    const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
    const min = (xs: number[]) => (xs.length && xs.every(Number.isFinite) ? Math.min(...xs) : NaN);
    const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    say(`rooms on Janus (VideoRoom, ${ROOMS_SERVER}) — publishers: raw client pages in a Chromium of their own, fake camera 640×480 at ${o.fps} fps + fake microphone, video in the call window's simulcast layers (h 640, m 320, l 160 wide)`);
    say(`join → first remote frame — ${o.rounds} joins per variant (+1 warm-up each), order alternating per round; one publisher in the room, nobody else`);
    say(`  ours        = softphone.rooms.join(room, {video: false}) (joins, publishes our microphone, subscribes) → MediaStats.firstFrameAt of the publisher's feed`);
    say(`  raw         = raw Janus client page in the call window's Chromium, its Janus session kept open: attach, join as subscriber, answer, start → requestVideoFrameCallback`);
    say(`  raw + layer = the same, asking the full layer (configure substream ${SUBSTREAM_HIGH}) right after start, as the call window's stage tile asks its layer`);
    const W = [36, 9, 9, 7, 13, 7];
    const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(W[0]) : c.padStart(W[i]))).join("");
    say(row(["", "ours", "raw", "ratio", "raw + layer", "ratio"]));
    for (const [name, k] of [["join → first remote frame (median)", "frame"], ["  join answered (median)", "started"], ["  subscription ICE connected (median)", "ice"]] as const) {
      const a = jm("ours", k), b = jm("raw", k), c = jm("rawLayer", k);
      say(row([name, fmt(a), fmt(b), ratio(a, b), fmt(c), ratio(a, c)]));
    }
    {
      const paired = (v: JoinVariant) => ratio(median(samples.ours.map((x, i) => x.frame / samples[v][i].frame)), 1);
      say(`  (join answered: ours = join() resolved, raw = start answered; first frame, median of per-round ratios: ours/raw ${paired("raw")}, ours/raw + layer ${paired("rawLayer")})`);
    }
    for (const v of JOIN_VARIANTS) {
      say(`  all ${(v === "rawLayer" ? "raw + layer" : v).padEnd(12)} first frame: ${samples[v].map((x) => x.frame.toFixed(0)).join(" ")}   answered: ${samples[v].map((x) => x.started.toFixed(0)).join(" ")}   ICE: ${samples[v].map((x) => x.ice.toFixed(0)).join(" ")}`);
    }
    say(`call window with N remote tiles — ours joined without camera (microphone only) and receives every publisher; the call window asks the stage tile's full layer (h) and the small tiles' half (m) itself;`);
    say(`  publishers other than the stage's send m and l only (h switched off: no tile gets it); ${o.cpuSeconds} s per N; CPU in % of one core, ${cpus().length} cores here`);
    const T = [7, 13, 13, 13, 9, 12, 10, 15, 9, 9];
    const trow = (cells: string[]) => cells.map((c, i) => c.padStart(T[i])).join("");
    say(trow(["tiles", "call window", "main thread", "ms per frame", "fps min", "fps median", "sent min", "received/sent", "Janus", "machine"]));
    for (const f of figures) {
      say(trow([String(f.tiles), pct(f.process), pct(f.thread), f2((f.process * 10) / sum(f.fps)), f1(min(f.fps)), f1(median(f.fps)), f1(min(f.sent)), pct((sum(f.fps) / sum(f.sent)) * 100), pct(f.janus), pct(f.machine)]));
      say(`    per tile: received fps ${f.fps.map(f1).join(" ")}; sent ${f.sent.map(f1).join(" ")}; layer ${f.layers.join(" ")}; width ${f.widths.join(" ")}${f.limitations.length ? `; publishers' encoders limited by: ${f.limitations.join(", ")}` : ""}${f.error ? `; error: ${f.error}` : ""}`);
    }
    say(`  (ms per frame = the call window's CPU time per frame decoded, all tiles; fps = frames decoded per second per tile, from MediaStats; sent = its publisher's`);
    say(`   frames encoded per second in the layer the tile gets; received/sent over all tiles;`);
    say(`   machine = every process on the machine, this run's and any other work's, from /proc/stat)`);
    {
      const g = figures.find((f) => f.tiles === GOAL_TILES);
      const lo = g ? min(g.fps) : NaN;
      let verdict = g && Number.isFinite(lo) ? (lo >= GOAL_FPS ? "met" : "not met") : "not measured";
      if (g && verdict === "not met") {
        verdict += min(g.sent) < GOAL_FPS ? ` — the publishers sent as few (slowest ${f1(min(g.sent))} fps; they share the ${cpus().length} cores, machine ${pct(g.machine)} busy)` : ` — the publishers sent ≥ ${f1(min(g.sent))} fps: the call window fell behind`;
        if (min(g.sent) < GOAL_FPS && sum(g.fps) / sum(g.sent) < 0.9) verdict += `, and the call window received ${pct((sum(g.fps) / sum(g.sent)) * 100)} of what they sent`;
      }
      say(`goal ${GOAL_TILES} tiles at ≥ ${GOAL_FPS} fps each: slowest tile ${f1(lo)} fps — ${verdict}`);
    }

    for (const v of JOIN_VARIANTS) samples[v].forEach((x, i) => Number.isFinite(x.frame) || missing.push(`rooms: ${v} join ${i + 1}: join → first remote frame`));
    for (const f of figures) {
      if (!Number.isFinite(f.process)) missing.push(`rooms: call window CPU with ${f.tiles} tiles${f.error ? ` (${f.error})` : ""}`);
      if (f.fps.length !== f.tiles || !f.fps.every(Number.isFinite)) missing.push(`rooms: fps of ${f.tiles} tiles`);
    }
  } catch (err) {
    say(`rooms: not measured (${errorText(err)})`);
    missing.push(`rooms (${errorText(err)})`);
  } finally {
    await sp.rooms.leave().catch(() => undefined);
    await rawPage?.close().catch(() => undefined);
    await pubs.unpublishAll().catch(() => undefined);
    if (room !== undefined) await pubs.destroyRoom(room, ROOM_OPTIONS.secret).catch(() => undefined);
    await pubs.close().catch(() => undefined);
    await pubBrowser.close().catch(() => undefined);
    page.close();
  }
  return { lines, missing };
}
