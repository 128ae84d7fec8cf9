// Plain RTP as a phone speaks it (RFC 3550): the header, G.711 µ-law samples, RFC 4733
// telephone events (DTMF digits) and the short tones a dial-in caller is prompted with.
// Only what the room dial-in needs: one audio stream, no CSRC mixing, no SRTP. No vscode import.

/** G.711 µ-law, the codec every phone and Janus's plain-RTP participants speak. */
export const PCMU_PAYLOAD_TYPE = 0;
/** 20 ms at 8 kHz: the frame size phones send and expect. */
export const SAMPLES_PER_FRAME = 160;
export const FRAME_MS = 20;

export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export interface RtpPacket extends RtpHeader {
  payload: Buffer;
}

/** Reads a packet; undefined for anything that is not RTP version 2 (RTCP, STUN, garbage). */
export function parseRtp(packet: Buffer): RtpPacket | undefined {
  if (packet.length < 12 || packet[0] >> 6 !== 2) return undefined;
  const payloadType = packet[1] & 0x7f;
  // RTCP shares the port when muxed: its packet types 200–204 read as payload types 72–76.
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let offset = 12 + 4 * (packet[0] & 0x0f);
  if (packet[0] & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  }
  let end = packet.length;
  if (packet[0] & 0x20) end -= packet[packet.length - 1];
  if (offset > end) return undefined;
  return {
    payloadType,
    marker: (packet[1] & 0x80) !== 0,
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payload: packet.subarray(offset, end),
  };
}

export function buildRtp(header: RtpHeader, payload: Buffer): Buffer {
  const packet = Buffer.alloc(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  packet.writeUInt16BE(header.sequence & 0xffff, 2);
  packet.writeUInt32BE(header.timestamp >>> 0, 4);
  packet.writeUInt32BE(header.ssrc >>> 0, 8);
  payload.copy(packet, 12);
  return packet;
}

export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 7;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

const EVENT_DIGITS = "0123456789*#ABCD";

export interface TelephoneEvent {
  /** "0"–"9", "*", "#", "A"–"D"; undefined for events that are not DTMF (flash, tones). */
  digit: string | undefined;
  end: boolean;
  /** In timestamp units (8 kHz). */
  duration: number;
}

/** RFC 4733 §2.3: event, E bit, volume, duration. */
export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return { digit: EVENT_DIGITS[payload[0]], end: (payload[1] & 0x80) !== 0, duration: payload.readUInt16BE(2) };
}

/**
 * One event is sent as several packets with the same RTP timestamp (start, updates, three
 * end packets): the digit counts once, when its first packet arrives.
 */
export class DigitReader {
  private lastTimestamp: number | undefined;

  read(packet: RtpPacket): string | undefined {
    const event = parseTelephoneEvent(packet.payload);
    if (!event?.digit || packet.timestamp === this.lastTimestamp) return undefined;
    this.lastTimestamp = packet.timestamp;
    return event.digit;
  }
}

/** µ-law frames of a tone: each step is a frequency (0 = silence) held for `ms`. */
export function toneFrames(steps: ReadonlyArray<{ hz: number; ms: number }>, amplitude = 6000): Buffer[] {
  const samples: number[] = [];
  for (const { hz, ms } of steps) {
    const n = Math.round((ms * 8000) / 1000);
    for (let i = 0; i < n; i++) samples.push(hz ? amplitude * Math.sin((2 * Math.PI * hz * i) / 8000) : 0);
  }
  const frames: Buffer[] = [];
  for (let i = 0; i < samples.length; i += SAMPLES_PER_FRAME) {
    const frame = Buffer.alloc(SAMPLES_PER_FRAME, linearToUlaw(0));
    for (let j = 0; j < SAMPLES_PER_FRAME && i + j < samples.length; j++) frame[j] = linearToUlaw(samples[i + j]);
    frames.push(frame);
  }
  return frames;
}

/** Loudest sample of a µ-law payload (0–32124). */
export function peakOf(payload: Buffer): number {
  let peak = 0;
  for (const b of payload) peak = Math.max(peak, Math.abs(ulawToLinear(b)));
  return peak;
}
