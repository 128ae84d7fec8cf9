// `npm run bench`: speed and memory figures from one run on the local PBX, each set against a
// plain sip.js page measured in the same run, same Chromium, same PBX, same callee (baresip).
//   dial → incall       ours: softphone.calls.dial() → state incall (host SIP + call-window media)
//                       plain: inviter.invite() → Established (everything in one page)
//   dial → first audio  until the first remote RTP packet (remote track unmute)
//   activation          activate() in real VS Code (code-server), and until accounts started
//   bundle sizes, heap of the call window page vs the plain page, host heap of the SIP stack
// Target: dial → incall median within 1.2× the plain page. Exit code 1 when missed.
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import * as http from "node:http";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { Softphone } from "../../src/softphone";
import { consoleLogger } from "../../src/util/logger";
import { launchBrowser } from "../support/browser";
import { PBX, startPbx } from "../support/pbx";
import { sleep, waitFor } from "../support/wait";

const REPO = resolve(__dirname, "../../..");
const runDir = join(process.env.SOFTPHONE_RUN_DIR ?? join(REPO, ".run"), "bench");
const N = Number(process.env.BENCH_CALLS ?? 7);
const HOLD_MS = 400;
const TARGET_RATIO = 1.2;

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const kib = (file: string) => (existsSync(file) ? `${(statSync(file).size / 1024).toFixed(1)} KiB` : "missing");
const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : "n/a");

function servePlainPage(): Promise<{ url: string; close(): void }> {
  const dir = join(REPO, "out/test/bench/page");
  const server = http.createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><meta charset="utf-8"><script src="plainSipjs.js"></script>');
    } else if (req.url === "/plainSipjs.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      createReadStream(join(dir, "plainSipjs.js")).pipe(res);
    } else res.writeHead(404).end();
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() })));
}

async function jsHeap(page: Page): Promise<number> {
  return page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN);
}

function activationFigures(): { activationMs?: number; readyMs?: number; error?: string } {
  const out = join(runDir, "activation.json");
  rmSync(out, { force: true });
  try {
    execFileSync(process.execPath, [join(REPO, "test/vscode/harness/run-ext-tests.js"), REPO, join(REPO, "out/test/bench/vscodeProbe.js"), join(runDir, "workspace")], {
      env: { ...process.env, BENCH_OUT: out, RUN_DIR: join(runDir, "code-server"), SETTINGS_JSON: "" },
      stdio: "ignore",
      timeout: 180000,
    });
    return JSON.parse(readFileSync(out, "utf8"));
  } catch (err) {
    return { error: err instanceof Error ? err.message.split("\n")[0] : String(err) };
  }
}

async function main(): Promise<number> {
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const pbx = await startPbx(join(runDir, "pbx"));
  const browser = await launchBrowser(runDir, ["--enable-precise-memory-info"]);
  const plain = await servePlainPage();
  let windowPage: Page | undefined;
  const heapBefore = process.memoryUsage().heapUsed;
  const phone = new Softphone({
    log: { ...consoleLogger("bench"), info: () => undefined },
    historyDir: join(runDir, "history"),
    webviewDir: join(REPO, "dist/webview"),
    mediaDir: join(REPO, "media"),
    password: async (id) => (PBX.users as Record<string, string>)[id],
    openWindow: async (url) => {
      windowPage = await browser.newPage();
      await windowPage.goto(url);
    },
    settings: () => ({ sipTrace: false, dtmfMode: "rfc4733" }),
  });
  try {
    await phone.start([{ id: "alice", label: "alice", server: PBX.ws, uri: `sip:alice@${PBX.domain}`, register: true }]);
    await waitFor("alice registered", () => phone.getState().accounts[0]?.state === "registered");
    const plainPage = await browser.newPage();
    await plainPage.goto(plain.url);
    await plainPage.evaluate(([ws, pw, domain]) => (globalThis as any).plainSipjs.register(ws, "bob", pw, domain), [PBX.ws, PBX.users.bob, PBX.domain]);

    const ours = { incall: [] as number[], audio: [] as number[] };
    const base = { incall: [] as number[], audio: [] as number[] };
    const oursCall = async () => {
      // Observed through the change event, as the status bar and sidebar see it.
      let incallAt = 0;
      const sub = phone.calls.onDidChange(() => {
        if (!incallAt && phone.calls.views().some((c) => c.state === "incall")) incallAt = Date.now();
      });
      const t0 = Date.now();
      const id = await phone.calls.dial(PBX.phone);
      const inc = await waitFor("incall", () => incallAt, 15000, 5);
      sub.dispose();
      const st = await waitFor("first packet", async () => (await phone.media.stats(id))?.firstPacketAt, 5000, 10);
      await sleep(HOLD_MS);
      await phone.calls.hangup(id);
      await waitFor("cleared", () => phone.calls.get(id)?.state === "cleared");
      return { incall: inc - t0, audio: st - t0 };
    };
    const plainCall = () => plainPage.evaluate(([target, hold]) => (globalThis as any).plainSipjs.call(target, hold), [`sip:${PBX.phone}@${PBX.domain}`, HOLD_MS] as const);

    // Warm-up (first getUserMedia, codec init, the call window opening) is not counted.
    await oursCall();
    await plainCall();
    for (let i = 0; i < N; i++) {
      const a = await oursCall();
      ours.incall.push(a.incall);
      ours.audio.push(a.audio);
      await sleep(300);
      const b = (await plainCall()) as { incallMs: number; firstAudioMs: number };
      base.incall.push(b.incallMs);
      base.audio.push(b.firstAudioMs);
      await sleep(300);
    }
    const heapHost = process.memoryUsage().heapUsed - heapBefore;
    const heapWindow = windowPage ? await jsHeap(windowPage) : NaN;
    const heapPlain = await jsHeap(plainPage);
    const act = activationFigures();

    const rows: Array<[string, number, number]> = [
      ["dial → incall (median)", median(ours.incall), median(base.incall)],
      ["dial → first audio (median)", median(ours.audio), median(base.audio)],
    ];
    console.log(`\nSoftphone benchmark — ${N} calls each to baresip through Kamailio + rtpengine, same Chromium`);
    console.log(`${"".padEnd(30)}${"ours".padStart(10)}${"plain sip.js".padStart(14)}${"ratio".padStart(8)}`);
    for (const [name, a, b] of rows) console.log(`${name.padEnd(30)}${fmt(a).padStart(10)}${fmt(b).padStart(14)}${(a / b).toFixed(2).padStart(8)}`);
    console.log(`  all ours dial→incall:   ${ours.incall.map((x) => x.toFixed(0)).join(" ")}`);
    console.log(`  all plain dial→incall:  ${base.incall.map((x) => x.toFixed(0)).join(" ")}`);
    console.log(`page JS heap                  ${(heapWindow / 1048576).toFixed(1).padStart(7)} MiB ${(heapPlain / 1048576).toFixed(1).padStart(10)} MiB ${(heapWindow / heapPlain).toFixed(2).padStart(7)}`);
    console.log(`host heap growth (SIP stack, ${N + 1} calls): ${(heapHost / 1048576).toFixed(1)} MiB`);
    if (act.error) console.log(`extension activation: not measured (${act.error})`);
    else console.log(`extension activation: activate() ${fmt(act.activationMs ?? NaN)}, activation → accounts started ${fmt(act.readyMs ?? NaN)} (real VS Code, code-server)`);
    console.log(
      `bundles: dist/extension.js ${kib(join(REPO, "dist/extension.js"))}, dist/webview/callwindow.js ${kib(join(REPO, "dist/webview/callwindow.js"))}, ` +
        `dist/webview/sidebar.js ${kib(join(REPO, "dist/webview/sidebar.js"))}, dist/softphone.vsix ${kib(join(REPO, "dist/softphone.vsix"))}`,
    );
    const ratio = median(ours.incall) / median(base.incall);
    const ok = ratio <= TARGET_RATIO;
    console.log(`target dial → incall ≤ ${TARGET_RATIO}× plain sip.js: ${ratio.toFixed(2)}× — ${ok ? "met" : "MISSED"}`);
    return ok ? 0 : 1;
  } finally {
    await phone.dispose().catch(() => undefined);
    plain.close();
    await browser.close().catch(() => undefined);
    await pbx.stop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
