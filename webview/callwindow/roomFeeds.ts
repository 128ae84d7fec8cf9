// The publishers a room's receiving session carries — one peer connection, an m-line per stream
// (Janus multistream) — taken apart feed by feed: the host sends with each offer which m-line
// carries whose audio or video; once the answer is set, each publisher gets its own streams, tile
// view, player and figures under its own id (roomSessionId(room, feed)), as if it were a session
// of its own. An m-line Janus recycles for another publisher simply moves to that one.
import { roomSessionId, type MediaSessionRef, type MediaStats, type ReceivedStream } from "../../src/protocol/callWindow";
import type { MediaSession, SessionView } from "./mediaSession";
import { whenFirstFrame } from "./playback";
import { summarizeStats, type StatsSnapshot } from "./statsSummary";
import type { MediaQuality } from "../../src/protocol/quality";

interface Feed {
  ref: MediaSessionRef;
  audio?: { mid: string; track: MediaStreamTrack };
  video?: { mid: string; track: MediaStreamTrack; receiving: boolean };
  remoteAudio: MediaStream;
  remoteVideo: MediaStream;
  firstPacketAt?: number;
  firstFrameAt?: number;
  /** The audio energy counters at the last look (the level is taken over the interval since). */
  energy: { total: number; duration: number };
  /** Quality over the last second (the periodic report), as a call's. */
  quality?: MediaQuality;
  snapshot?: StatsSnapshot;
}

const RTP_TYPES = new Set(["inbound-rtp", "outbound-rtp", "remote-inbound-rtp", "remote-outbound-rtp"]);

const RECEIVING = new Set<RTCRtpTransceiverDirection | null>(["sendrecv", "recvonly"]);

export class RoomFeeds {
  /** What the offer being applied carries (the host's map). */
  private streams: ReceivedStream[] = [];
  private readonly feeds = new Map<number, Feed>();
  private readonly noVideo = new MediaStream();

  constructor(
    private readonly session: MediaSession,
    private readonly roomId: number,
    private readonly hooks: {
      /** A publisher's tile view (undefined: no longer received). */
      onView(id: string, view: SessionView | undefined): void;
      /** A publisher's audio to play (undefined: stop playing it). */
      onAudio(id: string, stream: MediaStream | undefined): void;
      /** A publisher's figures, every second (with the quality over that second). */
      onStats(stats: MediaStats): void;
    },
  ) {}

  /** The host's map for the offer about to be applied; only well-formed entries are kept. */
  expect(streams: unknown): void {
    if (!Array.isArray(streams)) return;
    this.streams = streams.filter(
      (s): s is ReceivedStream => !!s && typeof s.mid === "string" && (s.kind === "audio" || s.kind === "video") && Number.isSafeInteger(s.feed),
    );
  }

  /** The answer is set: bind each publisher to its m-lines' tracks; publishers no longer carried go. */
  settle(): void {
    const byMid = new Map<string, RTCRtpTransceiver>();
    for (const t of this.session.pc.getTransceivers()) if (t.mid !== null && t.currentDirection !== "stopped") byMid.set(t.mid, t);
    const carried = new Map<number, Pick<Feed, "audio" | "video">>();
    for (const s of this.streams) {
      const t = byMid.get(s.mid);
      if (!t || t.receiver.track.kind !== s.kind) continue;
      const entry = carried.get(s.feed) ?? {};
      if (s.kind === "audio") entry.audio = { mid: s.mid, track: t.receiver.track };
      else entry.video = { mid: s.mid, track: t.receiver.track, receiving: RECEIVING.has(t.currentDirection) };
      carried.set(s.feed, entry);
    }
    for (const feed of [...this.feeds.keys()]) if (!carried.has(feed)) this.drop(feed);
    for (const [feed, media] of carried) this.bind(feed, media);
  }

  /**
   * The session's periodic report: each publisher's quality over the last second (its own
   * m-lines' RTP entries, and the shared transport's), then its figures.
   */
  async tick(report: RTCStatsReport): Promise<void> {
    const entries = [...report.values()] as Array<Record<string, any>>;
    const now = Date.now();
    for (const [member, feed] of [...this.feeds]) {
      const mine = entries.filter((e) => !RTP_TYPES.has(e.type) || (e.mid !== undefined && (e.mid === feed.audio?.mid || e.mid === feed.video?.mid)));
      const { quality, snapshot } = summarizeStats(mine, feed.snapshot, now);
      feed.quality = quality;
      feed.snapshot = snapshot;
      const stats = await this.stats(feed.ref.id, report);
      if (stats && this.feeds.get(member) === feed) this.hooks.onStats(stats); // not dropped meanwhile
    }
  }

  /** A publisher's figures, as a session's (null: not received here). */
  async stats(id: string, report?: RTCStatsReport): Promise<MediaStats | null> {
    const feed = [...this.feeds.values()].find((f) => f.ref.id === id);
    if (!feed) return null;
    report ??= await this.session.pc.getStats();
    const out: MediaStats = { sessionId: id, bytesSent: 0, bytesReceived: 0, packetsReceived: 0, inboundLevel: 0, outboundLevel: 0 };
    const codecs = new Map<string, string>();
    let codecId: string | undefined;
    const ofFeed = (s: any, media: { mid: string; track: MediaStreamTrack } | undefined) =>
      !!media && (s.mid === media.mid || s.trackIdentifier === media.track.id);
    report.forEach((s: any) => {
      if (s.type === "codec") codecs.set(s.id, s.mimeType);
      if (s.type === "transport") {
        out.iceState = s.iceState;
        out.dtlsState = s.dtlsState;
      }
      if (s.type !== "inbound-rtp") return;
      if (s.kind === "audio" && ofFeed(s, feed.audio)) {
        out.bytesReceived += s.bytesReceived ?? 0;
        out.packetsReceived += s.packetsReceived ?? 0;
        codecId = s.codecId;
        // Level over the interval since the last look, from the energy counters (audioLevel is a snapshot).
        const total = s.totalAudioEnergy ?? 0;
        const duration = s.totalSamplesDuration ?? 0;
        const dE = total - feed.energy.total;
        const dT = duration - feed.energy.duration;
        feed.energy = { total, duration };
        out.inboundLevel = dT > 0 ? Math.sqrt(Math.max(0, dE) / dT) : (s.audioLevel ?? 0);
      }
      if (s.kind === "video" && ofFeed(s, feed.video)) {
        out.video = {
          framesDecoded: s.framesDecoded ?? 0,
          bytesReceived: s.bytesReceived ?? 0,
          framesEncoded: 0,
          bytesSent: 0,
          ...(s.frameWidth ? { frameWidth: s.frameWidth } : {}),
          ...(s.frameHeight ? { frameHeight: s.frameHeight } : {}),
        };
      }
    });
    if (codecId) out.codec = codecs.get(codecId);
    if (feed.firstPacketAt !== undefined) out.firstPacketAt = feed.firstPacketAt;
    if (feed.firstFrameAt !== undefined) out.firstFrameAt = feed.firstFrameAt;
    if (feed.quality) out.quality = feed.quality;
    // The one peer connection's: when the receiving session first connected.
    if (this.session.connectedAt !== undefined) out.iceConnectedAt = this.session.connectedAt;
    return out;
  }

  /** The publishers received now (tests, troubleshooting). */
  feedIds(): number[] {
    return [...this.feeds.keys()];
  }

  /** One publisher's tile and player go (they left the room; the host says so by their feed id). */
  dropById(id: string): void {
    for (const [member, f] of this.feeds) if (f.ref.id === id) this.drop(member);
  }

  /** Every publisher's tile and player go (the session closes). */
  dispose(): void {
    for (const feed of [...this.feeds.keys()]) this.drop(feed);
  }

  private bind(feed: number, media: Pick<Feed, "audio" | "video">): void {
    let f = this.feeds.get(feed);
    if (!f) {
      const id = roomSessionId(this.roomId, feed);
      f = { ref: { id, owner: this.session.session.owner }, remoteAudio: new MediaStream(), remoteVideo: new MediaStream(), energy: { total: 0, duration: 0 } };
      this.feeds.set(feed, f);
    }
    const entry = f;
    if (media.audio?.track !== entry.audio?.track) {
      entry.remoteAudio = new MediaStream(media.audio ? [media.audio.track] : []);
      entry.energy = { total: 0, duration: 0 };
      const track = media.audio?.track;
      if (track) {
        // A received track starts muted and unmutes with its first RTP packet.
        const arrived = () => {
          if (entry.audio?.track === track) entry.firstPacketAt ??= Date.now();
        };
        if (!track.muted) arrived();
        else track.addEventListener("unmute", arrived, { once: true });
      }
      this.hooks.onAudio(entry.ref.id, track ? entry.remoteAudio : undefined);
    }
    if (media.video?.track !== entry.video?.track) {
      entry.remoteVideo = media.video ? new MediaStream([media.video.track]) : this.noVideo;
      const track = media.video?.track;
      if (track) void whenFirstFrame(track).then((at) => entry.video?.track === track && (entry.firstFrameAt ??= at));
    }
    entry.audio = media.audio;
    entry.video = media.video;
    this.hooks.onView(entry.ref.id, {
      session: entry.ref,
      remoteVideo: entry.remoteVideo,
      localVideo: this.noVideo,
      receivingVideo: entry.video?.receiving === true,
      sendingVideo: false,
      audioArrived: entry.firstPacketAt !== undefined,
    });
  }

  private drop(feed: number): void {
    const f = this.feeds.get(feed);
    if (!f) return;
    this.feeds.delete(feed);
    this.hooks.onAudio(f.ref.id, undefined);
    this.hooks.onView(f.ref.id, undefined);
  }
}

