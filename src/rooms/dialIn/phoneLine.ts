// The media of one dial-in caller, kept in the extension host (no browser needed: it is plain
// RTP). Two UDP sockets: one faces the phone (its address goes into our SDP), one faces the
// rooms server's plain-RTP participant. Before the caller is in a room we play prompt tones and
// read DTMF digits (RFC 4733); once in, packets are relayed both ways unchanged. No vscode import.
import * as dgram from "node:dgram";
import { buildRtp, DigitReader, FRAME_MS, parseRtp, peakOf, PCMU_PAYLOAD_TYPE, SAMPLES_PER_FRAME } from "./rtp";
import type { RemoteAudio } from "./plainSdp";

export interface Endpoint {
  address: string;
  port: number;
}

/** The local address this machine uses to reach `host` (UDP connect sends nothing). */
export async function localAddressToward(host: string): Promise<string> {
  const probe = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.connect(9, host, () => resolve());
    });
    return probe.address().address;
  } finally {
    probe.close();
  }
}

async function openSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "0.0.0.0", () => resolve());
  });
  socket.on("error", () => undefined); // ICMP unreachable and the like: the next packet tries again
  return socket;
}

/** What went through the line, for logs and tests. */
export interface LineCounters {
  fromPhone: number;
  toPhone: number;
  /** Loudest sample the phone sent into the room, and the room sent to the phone (0–32124). */
  phonePeak: number;
  roomPeak: number;
}

export class PhoneLine {
  private remote: RemoteAudio | undefined;
  private room: Endpoint | undefined;
  private readonly digits = new DigitReader();
  private readonly pendingDigits: string[] = [];
  private digitWaiter: ((digit: string | undefined) => void) | undefined;
  private tone: { timer: ReturnType<typeof setInterval>; done: () => void } | undefined;
  private readonly own = { ssrc: (Math.random() * 2 ** 32) >>> 0, sequence: Math.floor(Math.random() * 65535), timestamp: (Math.random() * 2 ** 32) >>> 0 };
  private closed = false;
  readonly counters: LineCounters = { fromPhone: 0, toPhone: 0, phonePeak: 0, roomPeak: 0 };

  private constructor(
    private readonly phoneSide: dgram.Socket,
    private readonly roomSide: dgram.Socket,
  ) {
    phoneSide.on("message", (packet, from) => this.fromPhone(packet, from));
    roomSide.on("message", (packet) => this.fromRoom(packet));
  }

  static async open(): Promise<PhoneLine> {
    const phoneSide = await openSocket();
    const roomSide = await openSocket().catch((err) => {
      phoneSide.close();
      throw err;
    });
    return new PhoneLine(phoneSide, roomSide);
  }

  get phonePort(): number {
    return this.phoneSide.address().port;
  }
  get roomPort(): number {
    return this.roomSide.address().port;
  }
  get remoteAudio(): RemoteAudio | undefined {
    return this.remote;
  }

  /** Where the phone wants its audio (from its SDP); replaced by where it really sends from. */
  setRemote(remote: RemoteAudio): void {
    this.remote = remote;
  }

  /** From now on, the phone's audio goes to the room and the room's to the phone. */
  relayTo(room: Endpoint): void {
    this.stopTone();
    this.room = room;
  }

  /** Plays µ-law frames to the phone, 20 ms apart; resolves when done or interrupted. */
  play(frames: Buffer[]): Promise<void> {
    this.stopTone();
    if (this.closed || frames.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let next = 0;
      const timer = setInterval(() => {
        if (next >= frames.length) return this.stopTone();
        this.sendOwn(frames[next++], next === 1);
      }, FRAME_MS);
      this.tone = { timer, done: resolve };
    });
  }

  /** The next digit the caller presses; undefined after `timeoutMs` or when the line closes. */
  nextDigit(timeoutMs: number): Promise<string | undefined> {
    const queued = this.pendingDigits.shift();
    if (queued !== undefined || this.closed) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (digit: string | undefined): void => {
        clearTimeout(timer);
        this.digitWaiter = undefined;
        resolve(digit);
      };
      this.digitWaiter = finish;
    });
  }

  /** Digits typed so far and not yet read are dropped (a new prompt starts clean). */
  clearDigits(): void {
    this.pendingDigits.length = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTone();
    this.digitWaiter?.(undefined);
    this.phoneSide.close();
    this.roomSide.close();
  }

  private fromPhone(packet: Buffer, from: dgram.RemoteInfo): void {
    const rtp = parseRtp(packet);
    if (!rtp || !this.remote) return;
    // Symmetric RTP: answer where the phone really sends from (NAT rewrites its SDP address).
    if (this.remote.address !== from.address || this.remote.port !== from.port) this.remote = { ...this.remote, address: from.address, port: from.port };
    this.counters.fromPhone++;
    if (rtp.payloadType === this.remote.telephoneEvent) {
      const digit = this.digits.read(rtp);
      if (digit !== undefined && !this.room) this.deliverDigit(digit);
      return; // digits are for us, never mixed into the room
    }
    if (rtp.payloadType !== PCMU_PAYLOAD_TYPE || !this.room) return;
    this.counters.phonePeak = Math.max(this.counters.phonePeak, peakOf(rtp.payload));
    this.roomSide.send(packet, this.room.port, this.room.address);
  }

  private fromRoom(packet: Buffer): void {
    const rtp = parseRtp(packet);
    if (!rtp || !this.room || !this.remote) return;
    this.counters.roomPeak = Math.max(this.counters.roomPeak, peakOf(rtp.payload));
    this.counters.toPhone++;
    this.phoneSide.send(packet, this.remote.port, this.remote.address);
  }

  private deliverDigit(digit: string): void {
    if (this.digitWaiter) this.digitWaiter(digit);
    else this.pendingDigits.push(digit);
  }

  private sendOwn(payload: Buffer, marker: boolean): void {
    if (!this.remote || this.closed) return;
    const own = this.own;
    own.sequence = (own.sequence + 1) & 0xffff;
    own.timestamp = (own.timestamp + SAMPLES_PER_FRAME) >>> 0;
    this.counters.toPhone++;
    this.phoneSide.send(buildRtp({ payloadType: PCMU_PAYLOAD_TYPE, marker, sequence: own.sequence, timestamp: own.timestamp, ssrc: own.ssrc }, payload), this.remote.port, this.remote.address);
  }

  private stopTone(): void {
    const tone = this.tone;
    if (!tone) return;
    this.tone = undefined;
    clearInterval(tone.timer);
    tone.done();
  }
}
