// Local PBX bench for mocha integration tests: Kamailio (registrar/proxy, ws + wss), rtpengine,
// baresip as a plain SIP phone and four sipp UAS, all on 127.0.0.1 (see scripts/pbx/README.md).
// Node built-ins only; no vscode import, so it can be bundled into any node-side test.
//
//   const pbx = await startPbx(fs.mkdtempSync(path.join(os.tmpdir(), "pbx-")));
//   ... register alice at PBX.ws, call PBX.phone ...
//   const heard = pbx.receivedRecordings().at(-1);   // what baresip heard in the last call
//   await pbx.stop();
import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** Fixed addresses of the bench (ports are not configurable: one bench per network namespace). */
export const PBX = {
  domain: "127.0.0.1",
  ws: "ws://127.0.0.1:8080",
  wss: "wss://127.0.0.1:8443", // self-signed certificate (RUN_DIR/tls/cert.pem)
  users: { alice: "alicepw", bob: "bobpw", carol: "carolpw", rooms: "roomspw" },
  /** baresip's user (password phonepw): auto-answers, sends a 440 Hz tone, records what it hears. */
  phone: "phone",
  /**
   * baresip's phone number: Kamailio routes exactly this E.164 user to "phone" (other forms of it,
   * such as 030555000, get 404; completing them is the dial plan's job).
   */
  number: "+4930555000",
  /**
   * The rooms' dial-in number: Kamailio routes it to the user "rooms" (an account with
   * roomDialIn) and leaves its media plain RTP.
   */
  roomsNumber: "+4930555100",
  /**
   * sipp UAS: answer = 180, 200 OK, echoes RTP, BYE after 1.5 s / busy = 486 Busy Here /
   * unavailable = 503 Service Unavailable / early = early media: 183 with SDP and a 440 Hz tone
   * (PCMU) while ringing, 200 OK with the same SDP after 2.5 s (tone goes on), waits for our BYE
   * (hangs up itself after 20 s).
   */
  sipp: { answer: "sipp-answer", busy: "sipp-busy", unavailable: "sipp-503", early: "sipp-early", refer403: "sipp-refer403", refer501: "sipp-refer501" },
  /** baresip ctrl_tcp (netstring JSON). */
  baresipCtrl: { host: "127.0.0.1", port: 4444 },
} as const;

export interface WavStats {
  sampleRate: number;
  channels: number;
  /** duration of the data chunk */
  seconds: number;
  /** RMS over all samples, 0..1 (full-scale sine = 0.707) */
  rms: number;
  /** largest absolute sample, 0..1 */
  peak: number;
  /** rough pitch of channel 0 from zero crossings (meaningful for a clean tone, e.g. ~440) */
  zeroCrossingHz: number;
}

export interface Pbx {
  /** absolute RUN_DIR: conf/, run/ (pids, kamailio_ctl), logs/, rec/, tls/, media/ */
  readonly runDir: string;
  /** scripts/pbx/down.sh: stops every part by pid */
  stop(): Promise<void>;
  /** scripts/pbx/kamailio.sh stop: registrations (kept in memory) are lost, ws/wss connections drop */
  stopKamailio(): Promise<void>;
  /** scripts/pbx/kamailio.sh start: waits for SIP/ws/wss and re-registers baresip before resolving */
  startKamailio(options?: { keepBaresipCalls?: boolean }): Promise<void>;
  /** scripts/pbx/janus.sh stop: the rooms server goes (its rooms and sessions are lost) */
  stopJanus(): Promise<void>;
  /** scripts/pbx/janus.sh start: waits for its WebSocket API */
  startJanus(): Promise<void>;
  /**
   * One baresip command over ctrl_tcp, e.g. ("dial", "sip:bob@127.0.0.1"), ("hangup"), ("accept"),
   * ("listcalls"), ("reginfo"). Resolves with the response's `data` text; rejects if baresip
   * answers ok:false or does not answer within 5 s.
   */
  baresip(command: string, params?: string): Promise<string>;
  /** full paths of all WAVs in RUN_DIR/rec, oldest first (by mtime, then name) */
  recordings(): string[];
  /**
   * The recordings of what baresip RECEIVED from the network (decoded audio), oldest first.
   * baresip 1.0's sndfile module writes two files per call into RUN_DIR/rec:
   *   dump-YYYY-MM-DD-hh-mm-ss-dec.wav  decoder output = what baresip heard   <- these
   *   dump-YYYY-MM-DD-hh-mm-ss-enc.wav  encoder input  = what baresip sent (the 440 Hz tone)
   * Both are 8 kHz mono PCM16 (verified: RTP with a 1000 Hz tone sent to baresip lands in -dec,
   * its own 440 Hz tone in -enc). The -dec file only holds frames that were actually received and
   * decoded: its length is the received audio, not the call length, and it stays a 44-byte empty
   * WAV if no RTP arrived. The RIFF sizes are only written when the call ends (wavStats copes).
   * The name carries the call's start time with one-second resolution, so two calls starting in
   * the same second share (and overwrite) the same pair of files.
   */
  receivedRecordings(): string[];
  /** the "-enc" files: what baresip sent (its 440 Hz tone), oldest first */
  sentRecordings(): string[];
  /** contents of RUN_DIR/logs/baresip.log ("" if missing) */
  baresipLog(): string;
}

/** Locates scripts/pbx: $PBX_SCRIPTS_DIR, else upwards from this bundle and from the cwd. */
export function pbxScriptsDir(): string {
  const env = process.env.PBX_SCRIPTS_DIR;
  if (env) return path.resolve(env);
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      const cand = path.join(dir, "scripts", "pbx");
      if (fs.existsSync(path.join(cand, "up.sh"))) return cand;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`scripts/pbx/up.sh not found above ${__dirname} or ${process.cwd()} (set PBX_SCRIPTS_DIR)`);
}

function runScript(script: string, args: string[], timeoutMs: number): Promise<string> {
  const file = path.join(pbxScriptsDir(), script);
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [file, ...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `timed out after ${timeoutMs} ms` : `exit code ${String(err.code)}`;
          reject(new Error(`${script} ${args.join(" ")} failed (${why})\n--- stdout\n${stdout}--- stderr\n${stderr}`));
        } else resolve(stdout + stderr);
      },
    );
  });
}

/** Brings the bench up into runDir (created if missing); a bench from the same runDir is stopped first. */
export async function startPbx(runDir: string): Promise<Pbx> {
  const dir = path.resolve(runDir);
  await runScript("up.sh", [dir], 60_000);
  const rec = path.join(dir, "rec");
  const wavs = (suffix: string): string[] => {
    let names: string[];
    try {
      names = fs.readdirSync(rec).filter((f) => f.endsWith(suffix));
    } catch {
      return [];
    }
    return names
      .map((f) => {
        const full = path.join(rec, f);
        let mtime = 0;
        try {
          mtime = fs.statSync(full).mtimeMs;
        } catch {
          /* vanished */
        }
        return { full, mtime };
      })
      .sort((a, b) => a.mtime - b.mtime || (a.full < b.full ? -1 : a.full > b.full ? 1 : 0))
      .map((x) => x.full);
  };
  return {
    runDir: dir,
    stop: async () => void (await runScript("down.sh", [dir], 30_000)),
    stopKamailio: async () => void (await runScript("kamailio.sh", ["stop", dir], 30_000)),
    startKamailio: async (options) => void (await runScript("kamailio.sh", ["start", dir, ...(options?.keepBaresipCalls ? ["--keep-baresip-calls"] : [])], 30_000)),
    stopJanus: async () => void (await runScript("janus.sh", ["stop", dir], 30_000)),
    startJanus: async () => void (await runScript("janus.sh", ["start", dir], 30_000)),
    baresip: (command, params) => baresipCommand(command, params),
    recordings: () => wavs(".wav"),
    receivedRecordings: () => wavs("-dec.wav"),
    sentRecordings: () => wavs("-enc.wav"),
    baresipLog: () => {
      try {
        return fs.readFileSync(path.join(dir, "logs", "baresip.log"), "utf8");
      } catch {
        return "";
      }
    },
  };
}

let tokenSeq = 0;

/**
 * Sends one command to baresip's ctrl_tcp (netstring-framed JSON {command, params, token}) and
 * waits for the matching response; events baresip pushes on the same connection are skipped.
 */
/** Splits a ctrl_tcp byte stream into netstring payloads (`<len>:<payload>,`). */
function netstringReader(onPayload: (payload: string) => void, onBadFrame: (text: string) => void): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const colon = buf.indexOf(":");
      if (colon < 0) return;
      const len = Number(buf.subarray(0, colon).toString());
      if (!Number.isInteger(len) || len < 0) return onBadFrame(buf.toString());
      if (buf.length < colon + 1 + len + 1) return;
      const payload = buf.subarray(colon + 1, colon + 1 + len).toString("utf8");
      buf = buf.subarray(colon + 1 + len + 1);
      onPayload(payload);
    }
  };
}

export interface BaresipEvent {
  type: string;
  param?: string;
  class?: string;
}

/**
 * Listens to baresip's event stream (ctrl_tcp pushes every UA/call event as JSON), e.g.
 * CALL_DTMF_START with param "5" for a digit received in RTP (RFC 4733), which baresip 1.0 does
 * not print to its log. Resolves once connected.
 */
export function listenBaresipEvents(): Promise<{ events: BaresipEvent[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const events: BaresipEvent[] = [];
    const sock = net.connect(PBX.baresipCtrl.port, PBX.baresipCtrl.host);
    sock.on("data", netstringReader(
      (payload) => {
        try {
          const msg = JSON.parse(payload) as BaresipEvent & { event?: boolean };
          if (msg.event) events.push({ type: msg.type, param: msg.param, class: msg.class });
        } catch {
          /* not JSON: ignore */
        }
      },
      () => sock.destroy(),
    ));
    sock.once("connect", () => resolve({ events, close: () => sock.destroy() }));
    sock.once("error", (e) => reject(new Error(`baresip ctrl_tcp: ${e.message}`)));
  });
}

export function baresipCommand(command: string, params?: string, timeoutMs = 5000): Promise<string> {
  const token = `pbx-${process.pid}-${++tokenSeq}`;
  const what = params ? `${command} ${params}` : command;
  const body = Buffer.from(JSON.stringify({ command, params: params ?? "", token }), "utf8");
  return new Promise((resolve, reject) => {
    const sock = net.connect(PBX.baresipCtrl.port, PBX.baresipCtrl.host);
    let done = false;
    const finish = (err: Error | null, data?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(data ?? "");
    };
    const timer = setTimeout(
      () => finish(new Error(`baresip ${what}: no response within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on("connect", () => sock.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(",")])));
    sock.on("error", (e) => finish(new Error(`baresip ctrl_tcp ${PBX.baresipCtrl.host}:${PBX.baresipCtrl.port}: ${e.message}`)));
    sock.on("close", () => finish(new Error(`baresip ctrl_tcp closed before answering ${what}`)));
    sock.on("data", netstringReader(
      (payload) => {
        if (done) return;
        let msg: { response?: boolean; ok?: boolean; data?: string; token?: string };
        try {
          msg = JSON.parse(payload);
        } catch {
          return;
        }
        if (!msg.response || (msg.token !== undefined && msg.token !== token)) return;
        if (msg.ok === false) return finish(new Error(`baresip ${what} failed: ${(msg.data ?? "").trim()}`));
        finish(null, msg.data ?? "");
      },
      (text) => finish(new Error(`baresip ctrl_tcp: bad frame ${JSON.stringify(text)}`)),
    ));
  });
}

/**
 * Reads a PCM16 WAV: walks the RIFF chunks (fmt/data may be preceded or followed by LIST, fact, ...).
 * A data chunk whose size is 0 or beyond the end of the file (a writer that has not finalised the
 * header yet) is taken to run to the end of the file.
 */
export function wavStats(file: string, options: { fromSeconds?: number } = {}): WavStats {
  const b = fs.readFileSync(file);
  if (b.length < 12 || b.toString("ascii", 0, 4) !== "RIFF" || b.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error(`${file}: not a RIFF/WAVE file`);
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let data: { start: number; end: number } | undefined;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString("ascii", off, off + 4);
    const size = b.readUInt32LE(off + 4);
    const start = off + 8;
    if (id === "fmt ") {
      if (size < 16 || start + 16 > b.length) throw new Error(`${file}: short fmt chunk`);
      let format = b.readUInt16LE(start);
      if (format === 0xfffe && size >= 40) format = b.readUInt16LE(start + 24); // WAVE_FORMAT_EXTENSIBLE sub-format
      fmt = { format, channels: b.readUInt16LE(start + 2), sampleRate: b.readUInt32LE(start + 4), bits: b.readUInt16LE(start + 14) };
    } else if (id === "data") {
      const end = size === 0 || start + size > b.length ? b.length : start + size;
      data = { start, end };
      break;
    }
    off = start + size + (size & 1);
  }
  if (!fmt) throw new Error(`${file}: no fmt chunk`);
  if (!data) throw new Error(`${file}: no data chunk`);
  if (fmt.format !== 1 || fmt.bits !== 16) throw new Error(`${file}: not PCM16 (format ${fmt.format}, ${fmt.bits} bits)`);
  if (fmt.channels < 1 || fmt.sampleRate < 1) throw new Error(`${file}: bad fmt (${fmt.channels} ch, ${fmt.sampleRate} Hz)`);

  const frameBytes = 2 * fmt.channels;
  // `fromSeconds`: only the audio after that point (e.g. after a device switch mid-call).
  const skip = Math.max(0, Math.floor((options.fromSeconds ?? 0) * fmt.sampleRate)) * frameBytes;
  data = { start: Math.min(data.end, data.start + skip), end: data.end };
  const frames = Math.floor((data.end - data.start) / frameBytes);
  let sumSq = 0;
  let peak = 0;
  let crossings = 0;
  let prev = 0;
  for (let f = 0; f < frames; f++) {
    const base = data.start + f * frameBytes;
    for (let c = 0; c < fmt.channels; c++) {
      const s = b.readInt16LE(base + 2 * c);
      sumSq += s * s;
      const a = Math.abs(s);
      if (a > peak) peak = a;
      if (c === 0) {
        if (s !== 0) {
          if (prev !== 0 && (s > 0) !== (prev > 0)) crossings++;
          prev = s;
        }
      }
    }
  }
  const n = frames * fmt.channels;
  const seconds = frames / fmt.sampleRate;
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    seconds,
    rms: n ? Math.sqrt(sumSq / n) / 32768 : 0,
    peak: peak / 32768,
    zeroCrossingHz: seconds > 0 ? crossings / 2 / seconds : 0,
  };
}

/**
 * How many calls baresip has: baresip 1.0 answers `listcalls` with "--- Active calls (N) ---" and
 * a line per call. An answer that cannot be read counts as one call (a wait for "no call" must
 * not pass on a broken answer).
 */
export async function baresipCallCount(pbx: Pick<Pbx, "baresip">): Promise<number> {
  const answer = await pbx.baresip("listcalls").catch(() => "");
  const n = /Active calls \((\d+)\)/.exec(answer)?.[1];
  return n === undefined ? 1 : Number(n);
}
