// Integration: the host's real SIP/call/media modules (no VS Code) against the real PBX —
// Kamailio, rtpengine, baresip, sipp — with the real call window page running in headless
// Chromium (fake microphone). Audio is proven, not assumed: the page's inbound bytes and level
// rise, and baresip's recording of what it heard is not silent.
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { CallView } from "../../src/protocol/model";
import { neutralizeLinks, partyLabel } from "../../src/calls/remoteParty";
import { SystemRinger } from "../../src/media/systemRinger";
import { Softphone } from "../../src/softphone";
import { consoleLogger, type Logger } from "../../src/util/logger";
import { launchBrowser } from "../support/browser";
import { alive, standInPlayers, type StandInPlayers } from "../support/players";
import { listenBaresipEvents, PBX, startPbx, wavStats, type Pbx } from "../support/pbx";
import { benchAccount } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

const repo = resolve(__dirname, "../../..");
const execFileAsync = promisify(execFile);
const runRoot = process.env.SOFTPHONE_RUN_DIR ?? join(repo, ".run");

const account = benchAccount;

describe("phone against the real PBX (Kamailio + rtpengine + baresip + sipp) and the call window in Chromium", function () {
  this.timeout(60000);
  let pbx: Pbx;
  let browser: BrowserContext;
  let phone: Softphone;
  let runDir: string;
  const pages: Page[] = [];
  const logLines: string[] = [];
  // MOCK: the OS sound player. No sound device (and no paplay/pw-play/aplay) exists here, so the
  // real SystemRinger runs a stand-in player script (test/support/players.ts) that records the
  // file it was given and its pid, then "plays" (sleeps) until it is killed.
  let players: StandInPlayers;
  const ringWav = join(repo, "media", "ring.wav");
  const playerStarts = () => players.log().filter((e) => e.event === "start");
  let dtmfMode: "rfc4733" | "info" = "rfc4733";
  const passwords: Record<string, string> = { alice: PBX.users.alice, bob: PBX.users.bob, carol: "not-carols-password" };

  const call = (id: string): CallView | undefined => phone.calls.views().find((c) => c.id === id);
  const windowPage = () => pages.filter((p) => !p.isClosed()).at(-1)!;
  const tone = () => windowPage().evaluate(() => (globalThis as any).softphoneCallWindow.tone());
  const waitState = (id: string, state: CallView["state"], ms = 15000) =>
    waitFor(`call ${id} to reach ${state}`, () => call(id)?.state === state && call(id)!, ms);
  const acct = (id: string) => phone.getState().accounts.find((a) => a.id === id);
  /**
   * Media stats at the end of `ms`, with the highest microphone level seen meanwhile: the fake
   * microphone beeps (short beeps, quiet between), and `outboundLevel` is the media source's
   * audioLevel at one instant, so it is sampled every 200 ms rather than read once.
   */
  const statsOver = async (id: string, ms: number) => {
    let maxOutboundLevel = 0;
    for (const end = Date.now() + ms; Date.now() < end; ) {
      maxOutboundLevel = Math.max(maxOutboundLevel, (await phone.media.stats(id))?.outboundLevel ?? 0);
      await sleep(200);
    }
    return { ...(await phone.media.stats(id))!, maxOutboundLevel };
  };
  /** The next incoming call (to `accountId`, or to any account). */
  const nextIncoming = (accountId?: string) =>
    new Promise<CallView>((res) => {
      const sub = phone.calls.onIncoming((c) => {
        if (accountId && c.accountId !== accountId) return;
        sub.dispose();
        res(c);
      });
    });

  before(async function () {
    this.timeout(120000);
    mkdirSync(runRoot, { recursive: true });
    runDir = mkdtempSync(join(runRoot, "it-"));
    pbx = await startPbx(join(runDir, "pbx"));
    browser = await launchBrowser(runDir);
    mkdirSync(join(runDir, "players"));
    players = standInPlayers(join(runDir, "players"));
    const base = consoleLogger("it");
    const log: Logger = {
      trace: () => undefined,
      info: (m) => (logLines.push(m), process.env.SIP_TRACE && console.log(m)),
      warn: (m) => (logLines.push(m), base.warn(m)),
      error: (m) => (logLines.push(m), base.error(m)),
    };
    phone = new Softphone({
      log,
      historyDir: join(runDir, "history"),
      webviewDir: join(repo, "dist/webview"),
      mediaDir: join(repo, "media"),
      password: async (id) => passwords[id],
      openWindow: async (url) => {
        const page = await browser.newPage();
        page.on("pageerror", (e) => base.error(`call window: ${e.message}`));
        pages.push(page);
        await page.goto(url);
      },
      // SIP trace on (logged at info: into logLines, printed with SIP_TRACE=1) so the password
      // test below sees traced digest authentication go through the redaction.
      settings: () => ({ sipTrace: true, dtmfMode, ringTimeoutMs: 30000 }),
      retryDelay: () => 300,
      lingerMs: 60000,
      reconnectGraceMs: 1500,
      fallbackRinger: new SystemRinger(ringWav, { players: (wav) => [{ cmd: players.playing, args: [wav] }] }),
    });
    await phone.start([account("alice"), account("bob")]);
    await waitFor("alice and bob registered", () => acct("alice")?.state === "registered" && acct("bob")?.state === "registered");
  });

  after(async function () {
    this.timeout(30000);
    await phone?.dispose().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await pbx?.stop().catch(() => undefined);
    for (const e of players?.log() ?? []) if (alive(e.pid)) process.kill(e.pid, "SIGKILL");
    if (!process.env.KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
  });

  it("registers accounts with the registrar (state registered, no reason)", () => {
    assert.deepEqual(acct("alice"), { id: "alice", state: "registered" });
  });

  it("calls baresip through rtpengine with audio both ways, then hangs up with BYE", async () => {
    const before = pbx.receivedRecordings().length;
    // Every state event of every call; the first event of a new call may come before dial()
    // resolves with its id, so they are kept by id and picked out afterwards.
    const events: Array<{ id: string; state: string }> = [];
    const sub = phone.onDidChangeState((s) => {
      for (const c of s.calls) events.push({ id: c.id, state: c.state });
    });
    const id = await phone.calls.dial(PBX.phone);
    await waitState(id, "incall");
    assert.equal(phone.media.connected, true, "call window connected");
    // Let audio flow, then prove it: the page's inbound bytes and level rise.
    const s1 = await waitFor("first inbound audio", async () => {
      const s = await phone.media.stats(id);
      return s && s.bytesReceived > 0 ? s : undefined;
    });
    const s2 = await statsOver(id, 2500);
    assert.ok(s2.bytesReceived > s1.bytesReceived + 8000, `inbound bytes rise (${s1.bytesReceived} → ${s2.bytesReceived})`);
    assert.ok(s2.bytesSent > s1.bytesSent + 8000, `outbound bytes rise (${s1.bytesSent} → ${s2.bytesSent})`);
    assert.ok(s2.inboundLevel > 0.01, `inbound audio level moves (${s2.inboundLevel})`);
    assert.ok(s2.maxOutboundLevel > 0.01, `outbound (microphone) level moves (highest ${s2.maxOutboundLevel})`);
    await phone.calls.hangup(id);
    const cleared = await waitState(id, "cleared");
    sub.dispose();
    assert.equal(cleared.reason, "ended-local");
    // Kamailio answers the INVITE with 100 Trying, baresip with 180 Ringing before its 200 OK:
    // each of them must show, in order, both in the state events and in the call's own record.
    const seen = events.filter((e) => e.id === id).map((e) => e.state).filter((st, i, all) => i === 0 || all[i - 1] !== st);
    const expected = ["connecting", "trying", "ringing", "incall", "cleared"];
    assert.deepEqual(seen, expected, `state events in order (saw ${seen.join(" → ")})`);
    assert.deepEqual(phone.calls.get(id)!.sm.history.map((h) => h.state), expected, "the call's recorded state history");
    // baresip's recording of what it heard is not silent.
    const rec = await waitFor("baresip recording", () => pbx.receivedRecordings().length > before && pbx.receivedRecordings().at(-1));
    await sleep(300);
    const wav = wavStats(rec);
    assert.ok(wav.seconds > 2, `recording length ${wav.seconds}s`);
    assert.ok(wav.peak > 0.05 && wav.rms > 0.005, `baresip heard sound (rms ${wav.rms.toFixed(4)}, peak ${wav.peak.toFixed(3)})`);
  });

  it("answers a call from baresip (a regular phone) with audio both ways; the far end's BYE clears it", async () => {
    const before = pbx.receivedRecordings().length;
    const incoming = nextIncoming();
    await pbx.baresip("dial", `sip:alice@${PBX.domain}`);
    const c = await incoming;
    assert.equal(c.state, "ringing");
    assert.equal(c.direction, "incoming");
    assert.match(c.remote.uri, /^sip:phone@/);
    await phone.calls.answer(c.id);
    await waitState(c.id, "incall");
    const s1 = await waitFor("inbound audio on the answered call", async () => {
      const s = await phone.media.stats(c.id);
      return s && s.bytesReceived > 0 ? s : undefined;
    });
    const s2 = await statsOver(c.id, 2000);
    // G.711 is 8000 bytes a second each way: at least half of that must have flowed both ways.
    assert.ok(s2.bytesReceived > s1.bytesReceived + 8000, `inbound bytes rise (${s1.bytesReceived} → ${s2.bytesReceived})`);
    assert.ok(s2.bytesSent > s1.bytesSent + 8000, `outbound bytes rise (${s1.bytesSent} → ${s2.bytesSent})`);
    assert.ok(s2.inboundLevel > 0.01, `inbound level ${s2.inboundLevel}`);
    assert.ok(s2.maxOutboundLevel > 0.01, `outbound (microphone) level (highest ${s2.maxOutboundLevel})`);
    await pbx.baresip("hangup");
    const cleared = await waitState(c.id, "cleared");
    assert.equal(cleared.reason, "ended-remote");
    // What baresip heard of us on this call: as long as the call was up, and not silence.
    const rec = await waitFor("baresip recording of the answered call", () => pbx.receivedRecordings().length > before && pbx.receivedRecordings().at(-1));
    await sleep(300);
    const wav = wavStats(rec);
    assert.ok(wav.seconds > 1.5, `recording length ${wav.seconds}s`);
    assert.ok(wav.peak > 0.05 && wav.rms > 0.005, `baresip heard sound (rms ${wav.rms.toFixed(4)}, peak ${wav.peak.toFixed(3)})`);
  });

  it("mute silences what we send (level falls to zero, packets keep flowing); unmute restores it", async () => {
    const id = await phone.calls.dial(PBX.phone);
    await waitState(id, "incall");
    const level = async () => (await phone.media.stats(id))!.outboundLevel;
    await waitFor("microphone level above zero", async () => (await level()) > 0.01, 5000, 100);
    phone.calls.setMuted(id, true);
    assert.equal(phone.getState().calls.find((c) => c.id === id)?.muted, true);
    await waitFor("muted: outgoing level zero", async () => (await level()) < 0.001, 5000, 100);
    const b1 = (await phone.media.stats(id))!.bytesSent;
    await sleep(600);
    assert.ok((await phone.media.stats(id))!.bytesSent > b1, "packets still sent while muted (silence, not a stalled stream)");
    phone.calls.setMuted(id, false);
    await waitFor("unmuted: level back", async () => (await level()) > 0.01, 5000, 100);
    await phone.calls.hangup(id);
    await waitState(id, "cleared");
  });

  it("hold sends a re-INVITE through rtpengine: audio from baresip stops; resume brings it back", async () => {
    const id = await phone.calls.dial(PBX.phone);
    await waitState(id, "incall");
    await sleep(500);
    const packets = async () => (await phone.media.stats(id))!.packetsReceived;
    await phone.calls.setHeld(id, true);
    assert.equal(phone.calls.get(id)?.held, true);
    await sleep(400);
    const p1 = await packets();
    await sleep(1000);
    const p2 = await packets();
    assert.ok(p2 - p1 < 5, `no audio while held (${p2 - p1} packets)`);
    await phone.calls.setHeld(id, false);
    await sleep(1000);
    const p3 = await packets();
    await sleep(1000);
    assert.ok((await packets()) - p3 > 25, "audio flows again after resume");
    assert.equal(phone.calls.get(id)?.state, "incall");
    await phone.calls.hangup(id);
    await waitState(id, "cleared");
  });

  for (const mode of ["rfc4733", "info"] as const) {
    it(`DTMF (${mode === "info" ? "SIP INFO" : "RFC 4733 in RTP"}) reaches baresip`, async () => {
      dtmfMode = mode;
      try {
        const id = await phone.calls.dial(PBX.phone);
        await waitState(id, "incall");
        await sleep(300);
        // SIP INFO digits show in baresip's log; RTP (RFC 4733) digits only as ctrl_tcp events.
        const logBefore = pbx.baresipLog().length;
        const listener = await listenBaresipEvents();
        try {
          await phone.calls.sendDtmf(id, "159#");
          const got = await waitFor("baresip reports the digits", () => {
            const fromLog = [...pbx.baresipLog().slice(logBefore).matchAll(/received DTMF: '(.)'/g)].map((m) => m[1]).join("");
            const fromRtp = listener.events.filter((e) => e.type === "CALL_DTMF_START").map((e) => e.param ?? "").join("");
            const digits = mode === "info" ? fromLog : fromRtp;
            return digits.includes("159#") && digits;
          }, 5000);
          assert.match(got, /159#/);
        } finally {
          listener.close();
        }
        await assert.rejects(phone.calls.sendDtmf(id, "12x"), /DTMF/);
        await phone.calls.hangup(id);
        await waitState(id, "cleared");
      } finally {
        dtmfMode = "rfc4733";
      }
    });
  }

  it("the call window's socket drops mid-call: it reconnects and the call carries on with audio", async () => {
    const id = await phone.calls.dial(PBX.phone);
    await waitState(id, "incall");
    await windowPage().evaluate(() => (globalThis as any).softphoneCallWindow.simulateDrop());
    await waitFor("host sees the window gone", () => !phone.media.connected, 5000, 5);
    await waitFor("window reconnected", () => phone.media.connected, 10000);
    await sleep(1600); // longer than the reconnect grace period: the call must survive it
    assert.equal(call(id)?.state, "incall");
    const s1 = (await phone.media.stats(id))!;
    await sleep(1000);
    const s2 = (await phone.media.stats(id))!;
    assert.ok(s2.bytesReceived > s1.bytesReceived, "audio still flows after the reconnect");
    await phone.calls.hangup(id);
    assert.equal((await waitState(id, "cleared")).reason, "ended-local");
  });

  it("an incoming call rings in the call window; ringing stops when it is answered or declined", async () => {
    const incoming = nextIncoming("alice");
    await pbx.baresip("dial", `sip:alice@${PBX.domain}`);
    const c = await incoming;
    await waitFor("ring tone in the call window", async () => (await tone()) === "ring", 5000);
    await sleep(300);
    assert.deepEqual(playerStarts(), [], "no OS ring while a call window is open (none so far)");
    await phone.calls.decline(c.id);
    await waitState(c.id, "cleared");
    await waitFor("ring stopped", async () => (await tone()) === null, 5000);
  });

  it("sipp 486 gives cleared/busy with the SIP status", async () => {
    const id = await phone.calls.dial(PBX.sipp.busy);
    const c = await waitState(id, "cleared");
    assert.equal(c.reason, "busy");
    assert.equal(c.status, 486);
  });

  it("sipp 503 gives cleared/unavailable with the SIP status", async () => {
    const id = await phone.calls.dial(PBX.sipp.unavailable);
    const c = await waitState(id, "cleared");
    assert.equal(c.reason, "unavailable");
    assert.equal(c.status, 503);
  });

  it("a remote BYE (sipp answers, then hangs up) clears with ended-remote", async () => {
    const id = await phone.calls.dial(PBX.sipp.answer);
    await waitState(id, "incall");
    const c = await waitState(id, "cleared", 10000);
    assert.equal(c.reason, "ended-remote");
  });

  it("hanging up while the other side rings sends CANCEL: both legs clear as cancelled / missed", async () => {
    const incoming = nextIncoming();
    const id = await phone.calls.dial("bob", { accountId: "alice" });
    const atBob = await incoming;
    await waitState(id, "ringing");
    await phone.calls.hangup(id);
    const out = await waitState(id, "cleared");
    const inc = await waitState(atBob.id, "cleared");
    assert.equal(out.reason, "cancelled");
    assert.equal(inc.reason, "cancelled");
    await Promise.all([phone.calls.historySettled(id), phone.calls.historySettled(atBob.id)]);
    const hist = await phone.history.list(20);
    assert.equal(hist.find((e) => e.id === atBob.id)?.outcome, "missed");
    assert.equal(hist.find((e) => e.id === id)?.outcome, "cancelled");
  });

  it("declining an incoming call sends 603 and the caller sees declined", async () => {
    const incoming = nextIncoming();
    const id = await phone.calls.dial("bob", { accountId: "alice" });
    const atBob = await incoming;
    await phone.calls.decline(atBob.id);
    const out = await waitState(id, "cleared");
    assert.equal(out.reason, "declined");
    assert.equal(out.status, 603);
  });

  it("refuses dial strings it cannot call, saying why", async () => {
    await assert.rejects(phone.calls.dial("call me maybe"), { message: "A user name can't contain spaces." });
    await assert.rejects(phone.calls.dial(""), { message: "Nothing to dial: enter a number, a user name or a sip: address." });
    await assert.rejects(phone.calls.dial("+12+34"), { message: 'A "+" can only come first in a number, as in +44 20 7946 0000.' });
  });

  it("closing the call window mid-call ends the call with BYE", async () => {
    const id = await phone.calls.dial(PBX.phone);
    await waitState(id, "incall");
    const page = pages[pages.length - 1];
    await page.close({ runBeforeUnload: true });
    const c = await waitState(id, "cleared", 10000);
    assert.equal(c.reason, "ended-local");
    // The next call opens a fresh window by itself.
    const again = await phone.calls.dial(PBX.sipp.busy);
    await waitState(again, "cleared");
    assert.equal(phone.media.connected, true);
  });

  it("with no call window open, an incoming call rings through the OS sound player", async () => {
    await windowPage().close({ runBeforeUnload: true });
    await waitFor("window gone", () => !phone.media.connected, 5000);
    const before = playerStarts().length;
    const incoming = nextIncoming("alice");
    await pbx.baresip("dial", `sip:alice@${PBX.domain}`);
    const c = await incoming;
    const player = await waitFor("the OS sound player started", () => playerStarts()[before], 5000);
    assert.equal(player.args, ringWav, "the player plays media/ring.wav");
    assert.ok(existsSync(player.args), "media/ring.wav exists");
    await sleep(300);
    assert.ok(alive(player.pid), "the player keeps ringing until the call is answered or declined");
    await phone.calls.decline(c.id);
    await waitFor(`the player (pid ${player.pid}) killed on decline`, () => !alive(player.pid), 5000);
    await sleep(300);
    assert.equal(playerStarts().length, before + 1, "nothing rings again after the decline");
  });

  it("removing an account unregisters it: calls to it then fail with not-found", async () => {
    await phone.setAccounts([account("alice")]);
    const id = await phone.calls.dial("bob", { accountId: "alice" });
    const c = await waitState(id, "cleared");
    assert.equal(c.reason, "not-found");
    assert.equal(c.status, 404);
    await phone.setAccounts([account("alice"), account("bob")]);
    await waitFor("bob registered again", () => acct("bob")?.state === "registered");
  });

  it("restarting an account twice at once leaves one registration (a call rings once)", async () => {
    await Promise.all([phone.restartAccount("bob"), phone.restartAccount("bob")]);
    await waitFor("bob registered", () => acct("bob")?.state === "registered");
    const rang: CallView[] = [];
    const sub = phone.calls.onIncoming((c) => c.accountId === "bob" && rang.push(c));
    const id = await phone.calls.dial("bob", { accountId: "alice" });
    await waitState(id, "ringing");
    await sleep(1000);
    sub.dispose();
    assert.equal(rang.length, 1, "one incoming leg");
    await phone.calls.hangup(id);
    await waitState(id, "cleared");
  });

  it("history records every call with direction, outcome and SIP status", async () => {
    const list = await phone.history.list(50);
    const outcomes = list.map((e) => e.outcome);
    assert.ok(outcomes.includes("answered"));
    assert.ok(outcomes.includes("busy"));
    assert.ok(list.some((e) => e.status === 503 && e.outcome === "failed"));
    assert.ok(list.some((e) => e.direction === "incoming" && e.outcome === "answered"));
    const toPhone = list.filter((e) => e.outcome === "answered" && e.direction === "outgoing" && e.remote.uri.startsWith("sip:phone@"));
    const answered = toPhone.sort((a, b) => b.durationSec - a.durationSec)[0];
    assert.ok(answered.durationSec >= 2, `duration ${answered.durationSec}`);
    assert.ok(answered.answeredAt && answered.endedAt);
  });

  it("a hostile caller name (bidi override, HTML, a Markdown command link) arrives cleaned; the CANCEL makes it a missed call", async () => {
    const incoming = nextIncoming("alice");
    const sipp = execFileAsync("sipp", [
      "-sf", join(pbx.runDir, "conf/sipp/uac-hostile-invite.xml"), "-inf", join(pbx.runDir, "conf/sipp/hostile-names.csv"), "-s", "alice", "-m", "1",
      "-i", "127.0.0.1", "-p", "5090", "-mi", "127.0.0.1", "-mp", "6200", "-nostdin", "-timeout", "20",
      "-trace_err", "-error_file", join(runDir, "sipp-hostile.err"), "127.0.0.1:5060",
    ], { cwd: runDir });
    const c = await Promise.race([incoming, sipp.then(() => Promise.reject(new Error("sipp finished before the call arrived")))]);
    const name = c.remote.displayName ?? "";
    assert.ok(!/[\u202a-\u202e\u0000-\u001f]/.test(name), `no control or bidi characters: ${JSON.stringify(name)}`);
    assert.ok(name.length <= 64, "length capped");
    assert.match(c.remote.uri, /^sip:mallory@evil\.example/);
    const label = neutralizeLinks(partyLabel(c.remote));
    assert.ok(!/\]\(/.test(label), `notification text cannot carry a link: ${label}`);
    await sipp; // sipp exits 0 only if its CANCEL got 200 + 487
    const cleared = await waitState(c.id, "cleared");
    assert.equal(cleared.reason, "cancelled");
    await phone.calls.historySettled(c.id);
    assert.equal((await phone.history.list(5)).find((e) => e.id === c.id)?.outcome, "missed");
    assert.equal(acct("alice")?.state, "registered", "the account is unaffected");
  });

  it("wss:// to a server with a self-signed certificate gives a connection reason naming TLS", async () => {
    await phone.setAccounts([account("alice"), account("bob"), account("carol", { server: PBX.wss })]);
    const carol = await waitFor("carol failed", () => acct("carol")?.state === "failed" && acct("carol"));
    assert.equal(carol.reason, "connection");
    assert.match(carol.reasonText ?? "", /TLS.*(SELF_SIGNED|certificate)/i);
    await phone.setAccounts([account("alice"), account("bob")]);
  });

  it("a wrong password gives state failed with the credentials reason", async () => {
    await phone.setAccounts([account("alice"), account("bob"), account("carol")]);
    const carol = await waitFor("carol failed", () => acct("carol")?.state === "failed" && acct("carol"));
    assert.equal(carol.reason, "credentials");
    assert.equal(carol.statusCode, 401);
    await phone.setAccounts([account("alice"), account("bob")]);
  });

  it("an unreachable server gives a connection reason", async () => {
    passwords.dave = "x";
    await phone.setAccounts([account("alice"), account("bob"), account("dave", { server: "ws://127.0.0.1:9" })]);
    const dave = await waitFor("dave failed", () => acct("dave")?.state === "failed" && acct("dave"));
    assert.equal(dave.reason, "connection");
    assert.match(dave.reasonText ?? "", /refused/);
    await phone.setAccounts([account("alice"), account("bob")]);
  });

  it("an account whose server hangs (accepts the connection, never answers) does not delay the others", async () => {
    // A server that takes the TCP connection and then says nothing, listed before carol.
    const sockets: Socket[] = [];
    const hanging = createServer((s) => sockets.push(s.on("error", () => undefined)));
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    try {
      passwords.erin = "x";
      passwords.carol = PBX.users.carol;
      const port = (hanging.address() as { port: number }).port;
      const t0 = Date.now();
      const applied = phone.setAccounts([account("alice"), account("bob"), account("erin", { server: `ws://127.0.0.1:${port}` }), account("carol")]);
      await waitFor("carol registered", () => acct("carol")?.state === "registered", 3000, 50);
      assert.ok(Date.now() - t0 < 3000, `carol registered in ${Date.now() - t0} ms`);
      // The next change is not held up by erin's hanging start either.
      const t1 = Date.now();
      await phone.restartAccount("bob");
      assert.ok(Date.now() - t1 < 3000, `bob restarted in ${Date.now() - t1} ms while erin still hangs`);
      await applied;
      assert.notEqual(acct("erin")?.state, "registered", "erin's server never answered");
      assert.equal(acct("alice")?.state, "registered");
    } finally {
      passwords.carol = "not-carols-password";
      await phone.setAccounts([account("alice"), account("bob")]);
      for (const s of sockets) s.destroy();
      hanging.close();
    }
  });

  it("Kamailio stopped: connection reason; started again: registered again without user action", async () => {
    await pbx.stopKamailio();
    const down = await waitFor("alice loses the connection", () => acct("alice")?.state === "failed" && acct("alice"), 10000);
    assert.equal(down.reason, "connection");
    await sleep(1000);
    await pbx.startKamailio();
    await waitFor("alice registered again", () => acct("alice")?.state === "registered", 20000);
    // And the registration is real: a call to her arrives.
    const incoming = nextIncoming("alice");
    await pbx.baresip("dial", `sip:alice@${PBX.domain}`);
    const c = await incoming;
    await phone.calls.decline(c.id);
  });

  it("never writes a password to the history, logs or the call window URL; the SIP trace redacts digest responses", async () => {
    // The SIP trace was on from the start: alice's REGISTER went out twice, the second time
    // with the digest answer to the 401 challenge, and the log holds it redacted.
    const register = logLines.find((l) => /^\[alice\] SIP >>>\nREGISTER /.test(l) && /^Authorization: Digest /m.test(l));
    assert.ok(register, `a traced REGISTER with an Authorization header is in the log (${logLines.length} lines)`);
    assert.match(register, /^Authorization: Digest .*response="…"/m, "its digest response is redacted");
    const unredacted = logLines.find((l) => /^(Proxy-)?Authorization:.*response="(?!…")/im.test(l));
    assert.equal(unredacted, undefined, "no digest response in the log unredacted");
    const files = [phone.history.path];
    const text = files.map((f) => readFileSync(f, "utf8")).join("\n") + logLines.join("\n") + phone.media.url + pages.map((p) => p.url()).join();
    for (const pw of [PBX.users.alice, PBX.users.bob, "not-carols-password"]) assert.ok(!text.includes(pw), `found ${pw}`);
  });
});
