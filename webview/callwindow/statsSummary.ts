// Turns one RTCPeerConnection.getStats() report into the call's MediaQuality. Pure: the caller
// passes the report's entries ([...report.values()]) and the snapshot returned last time, and
// keeps the new snapshot for the next call. Kept free of DOM types so the unit tests run in Node.
//
// The stats counters are cumulative since each RTP stream started, so bitrates and loss are
// computed from the difference to the previous snapshot: that shows how the call is doing now,
// not on average since it began.

import type { MediaQuality, QualityGrade, StreamQuality } from "../../src/protocol/quality";
import { estimateMos, gradeOf } from "../../src/calls/quality";

type Kind = "audio" | "video";
// getStats() entries are loosely typed dictionaries whose fields vary by type and browser.
type StatsEntry = Record<string, any>;

/** Cumulative counters of one media kind, summed over its RTP streams. */
export interface StreamCounters {
  bytesSent: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  /** When the counters were read (ms, the stats' own timestamp). */
  timestamp: number;
}

/** What summarizeStats needs from the previous report to compute per-interval numbers. */
export interface StatsSnapshot {
  audio?: StreamCounters;
  video?: StreamCounters;
}

/** The entries of one kind, by stats type. */
interface KindEntries {
  inbound: StatsEntry[];
  outbound: StatsEntry[];
  remoteInbound: StatsEntry[];
}

/** Above these video loss percentages the picture visibly suffers (freezes, smearing). */
const VIDEO_LOSS_GOOD = 2;
const VIDEO_LOSS_FAIR = 8;

/** A finite number from the entry, or undefined (absent, null, NaN, a string…). */
function num(entry: StatsEntry, field: string): number | undefined {
  const v: unknown = entry[field];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function sum(entries: StatsEntry[], field: string): number {
  return entries.reduce((total, e) => total + (num(e, field) ?? 0), 0);
}

/** The largest value of the field over the entries, or undefined when none has it. */
function max(entries: StatsEntry[], field: string): number | undefined {
  const values = entries.map((e) => num(e, field)).filter((v): v is number => v !== undefined);
  return values.length ? Math.max(...values) : undefined;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function kindOf(entry: StatsEntry): Kind | undefined {
  // `mediaType` is the pre-2019 name of `kind`, still seen in older engines.
  const kind: unknown = entry.kind ?? entry.mediaType;
  return kind === "audio" || kind === "video" ? kind : undefined;
}

function entriesOf(entries: ReadonlyArray<StatsEntry>, kind: Kind): KindEntries {
  const ofType = (type: string) => entries.filter((e) => e.type === type && kindOf(e) === kind);
  return { inbound: ofType("inbound-rtp"), outbound: ofType("outbound-rtp"), remoteInbound: ofType("remote-inbound-rtp") };
}

/** codec id → mime subtype ("audio/opus" → "opus"). */
function codecNames(entries: ReadonlyArray<StatsEntry>): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of entries) {
    if (e.type !== "codec" || typeof e.id !== "string" || typeof e.mimeType !== "string") continue;
    names.set(e.id, e.mimeType.slice(e.mimeType.indexOf("/") + 1));
  }
  return names;
}

/** What we receive names the codec we hear; what we send is the fallback (e.g. before media arrives). */
function codecOf(kind: KindEntries, names: Map<string, string>): string | undefined {
  for (const e of [...kind.inbound, ...kind.outbound]) {
    const name = typeof e.codecId === "string" ? names.get(e.codecId) : undefined;
    if (name) return name;
  }
  return undefined;
}

/**
 * Round trip of the ICE pair in use: the one the transport names as selected, else a nominated
 * succeeded pair, else any succeeded pair (engines differ in which of these they report).
 */
function candidatePairRttMs(entries: ReadonlyArray<StatsEntry>): number | undefined {
  const selected = new Set<unknown>(
    entries.filter((e) => e.type === "transport" && typeof e.selectedCandidatePairId === "string").map((e) => e.selectedCandidatePairId),
  );
  const pairs = entries.filter((e) => e.type === "candidate-pair" && num(e, "currentRoundTripTime") !== undefined);
  const pair =
    pairs.find((p) => selected.has(p.id)) ??
    pairs.find((p) => p.state === "succeeded" && p.nominated === true) ??
    pairs.find((p) => p.state === "succeeded");
  const rtt = pair ? num(pair, "currentRoundTripTime") : undefined;
  return rtt === undefined ? undefined : rtt * 1000;
}

function countersOf(kind: KindEntries, now: number): StreamCounters {
  return {
    bytesSent: sum(kind.outbound, "bytesSent"),
    bytesReceived: sum(kind.inbound, "bytesReceived"),
    packetsReceived: sum(kind.inbound, "packetsReceived"),
    packetsLost: sum(kind.inbound, "packetsLost"),
    timestamp: max([...kind.inbound, ...kind.outbound], "timestamp") ?? now,
  };
}

/** kbit/s from a byte count over milliseconds (bits per ms = kbit per s). */
function kbps(bytes: number, ms: number): number {
  return ms > 0 && bytes > 0 ? (bytes * 8) / ms : 0;
}

function lossPercent(lost: number, received: number): number {
  const expected = lost + received;
  return lost > 0 && expected > 0 ? (lost / expected) * 100 : 0;
}

interface Interval {
  sendKbps: number;
  receiveKbps: number;
  inboundLossPercent: number;
}

/**
 * Bitrates and inbound loss since the previous snapshot. Without one, bitrates are unknown (0)
 * and loss comes from the totals. A counter that went backwards means a stream was replaced or
 * dropped out of the sum (renegotiation, a removed track): that direction's interval is then
 * meaningless, so it counts as 0 rather than as a negative rate or a bogus 100 % loss.
 */
function intervalOf(current: StreamCounters, previous: StreamCounters | undefined): Interval {
  if (!previous) {
    return { sendKbps: 0, receiveKbps: 0, inboundLossPercent: lossPercent(current.packetsLost, current.packetsReceived) };
  }
  const ms = current.timestamp - previous.timestamp;
  const sent = current.bytesSent - previous.bytesSent;
  const bytesIn = current.bytesReceived - previous.bytesReceived;
  const packetsIn = current.packetsReceived - previous.packetsReceived;
  const lost = current.packetsLost - previous.packetsLost;
  const inboundReset = bytesIn < 0 || packetsIn < 0 || lost < 0;
  return {
    sendKbps: kbps(sent, ms),
    receiveKbps: inboundReset ? 0 : kbps(bytesIn, ms),
    inboundLossPercent: inboundReset ? 0 : lossPercent(lost, packetsIn),
  };
}

/** The loss the peer reports for what we send (RTCP receiver reports), 0..100. */
function remoteLossPercent(kind: KindEntries): number {
  const fraction = max(kind.remoteInbound, "fractionLost");
  return fraction === undefined ? 0 : Math.min(1, Math.max(0, fraction)) * 100;
}

/** Size and rate of the largest inbound picture, frame counts summed over the streams. */
function videoFields(kind: KindEntries): Partial<StreamQuality> {
  const area = (e: StatsEntry) => (num(e, "frameWidth") ?? 0) * (num(e, "frameHeight") ?? 0);
  const largest = kind.inbound.reduce<StatsEntry | undefined>((best, e) => (!best || area(e) > area(best) ? e : best), undefined);
  const fields: Partial<StreamQuality> = {};
  const set = (field: "frameWidth" | "frameHeight" | "framesPerSecond", from: StatsEntry | undefined) => {
    const v = from ? num(from, field) : undefined;
    if (v !== undefined) fields[field] = v;
  };
  set("frameWidth", largest);
  set("frameHeight", largest);
  set("framesPerSecond", largest);
  if (max(kind.inbound, "framesDecoded") !== undefined) fields.framesDecoded = sum(kind.inbound, "framesDecoded");
  if (max(kind.outbound, "framesEncoded") !== undefined) fields.framesEncoded = sum(kind.outbound, "framesEncoded");
  return fields;
}

function streamQuality(
  kindName: Kind,
  kind: KindEntries,
  interval: Interval,
  codec: string | undefined,
  pairRttMs: number | undefined,
): StreamQuality {
  const remoteRtt = max(kind.remoteInbound, "roundTripTime");
  const rttMs = remoteRtt !== undefined ? remoteRtt * 1000 : pairRttMs;
  const jitterMs = (max(kind.inbound, "jitter") ?? 0) * 1000;
  // The worse direction decides: a call where they cannot hear us is as bad as the reverse.
  const loss = Math.max(interval.inboundLossPercent, remoteLossPercent(kind));
  const quality: StreamQuality = {
    kind: kindName,
    sendKbps: round(interval.sendKbps, 1),
    receiveKbps: round(interval.receiveKbps, 1),
    lossPercent: round(loss, 2),
    jitterMs: round(Math.max(0, jitterMs), 1),
  };
  if (codec) quality.codec = codec;
  if (rttMs !== undefined && rttMs >= 0) quality.rttMs = round(rttMs, 1);
  if (kindName === "audio") quality.mos = estimateMos({ lossPercent: loss, jitterMs, rttMs, codec });
  return kindName === "video" ? { ...quality, ...videoFields(kind) } : quality;
}

function videoGrade(lossPercent: number): QualityGrade {
  if (lossPercent <= VIDEO_LOSS_GOOD) return "good";
  if (lossPercent <= VIDEO_LOSS_FAIR) return "fair";
  return "poor";
}

/**
 * The call's grade: the audio's when there is audio (voice is what a call is judged by), the
 * video's loss for a video-only call, and "good" when nothing flows yet (nothing to blame).
 */
function overall(audio: StreamQuality | undefined, video: StreamQuality | undefined): Pick<MediaQuality, "grade" | "mos"> {
  if (audio?.mos !== undefined) return { grade: gradeOf(audio.mos), mos: audio.mos };
  if (video) return { grade: videoGrade(video.lossPercent) };
  return { grade: "good" };
}

export function summarizeStats(
  entries: ReadonlyArray<Record<string, any>>,
  previous: StatsSnapshot | undefined,
  now: number,
): { quality: MediaQuality; snapshot: StatsSnapshot } {
  const names = codecNames(entries);
  const pairRttMs = candidatePairRttMs(entries);
  const snapshot: StatsSnapshot = {};
  const streams: Partial<Record<Kind, StreamQuality>> = {};
  for (const kindName of ["audio", "video"] as const) {
    const kind = entriesOf(entries, kindName);
    if (!kind.inbound.length && !kind.outbound.length) continue;
    const counters = countersOf(kind, now);
    snapshot[kindName] = counters;
    streams[kindName] = streamQuality(kindName, kind, intervalOf(counters, previous?.[kindName]), codecOf(kind, names), pairRttMs);
  }
  const quality: MediaQuality = { ...overall(streams.audio, streams.video), at: now };
  if (streams.audio) quality.audio = streams.audio;
  if (streams.video) quality.video = streams.video;
  return { quality, snapshot };
}
