import * as assert from "node:assert/strict";
import { estimateMos } from "../../src/calls/quality";
import type { StreamQuality } from "../../src/protocol/quality";
import { summarizeStats, type StatsSnapshot } from "../../webview/callwindow/statsSummary";

type Entry = Record<string, unknown>;

const opus: Entry = { type: "codec", id: "C-opus", mimeType: "audio/opus" };
const pcmu: Entry = { type: "codec", id: "C-pcmu", mimeType: "audio/PCMU" };
const vp8: Entry = { type: "codec", id: "C-vp8", mimeType: "video/VP8" };

function inbound(kind: "audio" | "video", timestamp: number, fields: Entry = {}): Entry {
  return { type: "inbound-rtp", id: `IT-${kind}-${String(fields.ssrc ?? 1)}`, kind, timestamp, bytesReceived: 0, packetsReceived: 0, packetsLost: 0, jitter: 0, ...fields };
}

function outbound(kind: "audio" | "video", timestamp: number, fields: Entry = {}): Entry {
  return { type: "outbound-rtp", id: `OT-${kind}-${String(fields.ssrc ?? 1)}`, kind, timestamp, bytesSent: 0, ...fields };
}

function remoteInbound(kind: "audio" | "video", fields: Entry): Entry {
  return { type: "remote-inbound-rtp", id: `RI-${kind}`, kind, ...fields };
}

/** Summarizes `first`, then `second` with the first's snapshot; returns the second's quality. */
function twice(first: Entry[], second: Entry[], now = 10_000) {
  const a = summarizeStats(first, undefined, now - 1000);
  return summarizeStats(second, a.snapshot, now);
}

function audioOf(result: { quality: { audio?: StreamQuality } }): StreamQuality {
  assert.ok(result.quality.audio, "there is an audio stream");
  return result.quality.audio;
}

function videoOf(result: { quality: { video?: StreamQuality } }): StreamQuality {
  assert.ok(result.quality.video, "there is a video stream");
  return result.quality.video;
}

describe("summarizeStats", () => {
  describe("bitrates", () => {
    it("reports 0 kbps on the first snapshot, whatever the byte totals", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { bytesReceived: 500_000 }), outbound("audio", 1000, { bytesSent: 400_000 })], undefined, 1000);
      assert.equal(audioOf({ quality }).receiveKbps, 0);
      assert.equal(audioOf({ quality }).sendKbps, 0);
    });

    it("computes kbps from byte deltas over the timestamp delta (12 500 bytes in 1000 ms = 100 kbps)", () => {
      const result = twice(
        [inbound("audio", 1000, { bytesReceived: 10_000 }), outbound("audio", 1000, { bytesSent: 5000 })],
        [inbound("audio", 2000, { bytesReceived: 22_500 }), outbound("audio", 2000, { bytesSent: 11_250 })],
      );
      assert.equal(audioOf(result).receiveKbps, 100);
      assert.equal(audioOf(result).sendKbps, 50);
    });

    it("uses the stats' own timestamps, not the time summarizeStats is called", () => {
      // 12 500 bytes over 500 ms of stats time = 200 kbps, although `now` moved by 1000 ms
      const result = twice([inbound("audio", 1000, { bytesReceived: 0 })], [inbound("audio", 1500, { bytesReceived: 12_500 })]);
      assert.equal(audioOf(result).receiveKbps, 200);
    });

    it("falls back to `now` for the interval when the entries carry no timestamp", () => {
      const first = summarizeStats([{ type: "inbound-rtp", kind: "audio", bytesReceived: 0 }], undefined, 1000);
      const second = summarizeStats([{ type: "inbound-rtp", kind: "audio", bytesReceived: 25_000 }], first.snapshot, 3000);
      assert.equal(audioOf(second).receiveKbps, 100);
    });

    it("reports 0 kbps rather than Infinity or NaN when no time has passed", () => {
      const result = twice([inbound("audio", 1000, { bytesReceived: 0 })], [inbound("audio", 1000, { bytesReceived: 5000 })]);
      assert.equal(audioOf(result).receiveKbps, 0);
    });

    it("sums several inbound and outbound streams of the same kind", () => {
      const result = twice(
        [inbound("video", 1000, { ssrc: 1, bytesReceived: 0 }), inbound("video", 1000, { ssrc: 2, bytesReceived: 0 }), outbound("video", 1000, { ssrc: 1 }), outbound("video", 1000, { ssrc: 2 })],
        [
          inbound("video", 2000, { ssrc: 1, bytesReceived: 50_000 }),
          inbound("video", 2000, { ssrc: 2, bytesReceived: 12_500 }),
          outbound("video", 2000, { ssrc: 1, bytesSent: 25_000 }),
          outbound("video", 2000, { ssrc: 2, bytesSent: 25_000 }),
        ],
      );
      assert.equal(videoOf(result).receiveKbps, 500);
      assert.equal(videoOf(result).sendKbps, 400);
    });

    it("keeps audio and video apart", () => {
      const result = twice(
        [inbound("audio", 1000), inbound("video", 1000)],
        [inbound("audio", 2000, { bytesReceived: 6250 }), inbound("video", 2000, { bytesReceived: 125_000 })],
      );
      assert.equal(audioOf(result).receiveKbps, 50);
      assert.equal(videoOf(result).receiveKbps, 1000);
    });
  });

  describe("loss", () => {
    it("computes loss from the totals on the first snapshot", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { packetsReceived: 90, packetsLost: 10 })], undefined, 1000);
      assert.equal(audioOf({ quality }).lossPercent, 10);
    });

    it("computes loss from the deltas afterwards, not from the totals", () => {
      // Totals: 20 of 2100 lost (≈ 1%); this interval: 10 of 100 lost.
      const result = twice([inbound("audio", 1000, { packetsReceived: 1990, packetsLost: 10 })], [inbound("audio", 2000, { packetsReceived: 2080, packetsLost: 20 })]);
      assert.equal(audioOf(result).lossPercent, 10);
    });

    it("reports 0% when no packet arrived or was lost in the interval", () => {
      const result = twice([inbound("audio", 1000, { packetsReceived: 500, packetsLost: 5 })], [inbound("audio", 2000, { packetsReceived: 500, packetsLost: 5 })]);
      assert.equal(audioOf(result).lossPercent, 0);
      const empty = summarizeStats([inbound("audio", 1000)], undefined, 1000);
      assert.equal(audioOf(empty).lossPercent, 0);
    });

    it("takes the peer's fractionLost when it is worse than our inbound loss", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { packetsReceived: 99, packetsLost: 1 }), outbound("audio", 1000), remoteInbound("audio", { fractionLost: 0.05 })], undefined, 1000);
      assert.equal(audioOf({ quality }).lossPercent, 5);
    });

    it("keeps our inbound loss when it is worse than the peer's fractionLost", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { packetsReceived: 90, packetsLost: 10 }), outbound("audio", 1000), remoteInbound("audio", { fractionLost: 0.02 })], undefined, 1000);
      assert.equal(audioOf({ quality }).lossPercent, 10);
    });

    it("sums lost and received packets over several inbound streams", () => {
      const { quality } = summarizeStats(
        [inbound("video", 1000, { ssrc: 1, packetsReceived: 100, packetsLost: 0 }), inbound("video", 1000, { ssrc: 2, packetsReceived: 50, packetsLost: 50 })],
        undefined,
        1000,
      );
      assert.equal(videoOf({ quality }).lossPercent, 25);
    });
  });

  describe("counter resets", () => {
    it("never reports negative bitrates or loss when counters go backwards", () => {
      const result = twice(
        [inbound("audio", 1000, { bytesReceived: 90_000, packetsReceived: 900, packetsLost: 40 }), outbound("audio", 1000, { bytesSent: 80_000 })],
        [inbound("audio", 2000, { bytesReceived: 1000, packetsReceived: 10, packetsLost: 0 }), outbound("audio", 2000, { bytesSent: 500 })],
      );
      const audio = audioOf(result);
      assert.equal(audio.receiveKbps, 0);
      assert.equal(audio.sendKbps, 0);
      assert.equal(audio.lossPercent, 0);
    });

    it("does not turn a received count that went backwards into 100% loss or more", () => {
      // A new stream: received restarts from 10 while lost still grows by 3.
      const restarted = twice([inbound("audio", 1000, { packetsReceived: 900, packetsLost: 40 })], [inbound("audio", 2000, { packetsReceived: 10, packetsLost: 43 })]);
      assert.equal(audioOf(restarted).lossPercent, 0);
      // Received drops by 5 while lost grows by 10: naive deltas would say 10 / 5 = 200%.
      const shrunk = twice([inbound("audio", 1000, { packetsReceived: 900, packetsLost: 40 })], [inbound("audio", 2000, { packetsReceived: 895, packetsLost: 50 })]);
      assert.equal(audioOf(shrunk).lossPercent, 0);
    });

    it("resumes normal deltas from the snapshot taken after the reset", () => {
      const a = summarizeStats([inbound("audio", 1000, { bytesReceived: 90_000 })], undefined, 1000);
      const b = summarizeStats([inbound("audio", 2000, { bytesReceived: 1000 })], a.snapshot, 2000);
      const c = summarizeStats([inbound("audio", 3000, { bytesReceived: 13_500 })], b.snapshot, 3000);
      assert.equal(audioOf(c).receiveKbps, 100);
    });

    it("treats a stream that appears later as a first snapshot for its kind", () => {
      const result = twice([inbound("audio", 1000)], [inbound("audio", 2000), inbound("video", 2000, { bytesReceived: 1_000_000, packetsReceived: 95, packetsLost: 5 })]);
      assert.equal(videoOf(result).receiveKbps, 0);
      assert.equal(videoOf(result).lossPercent, 5);
    });
  });

  describe("codec, jitter and round trip", () => {
    it("names the codec by the mime subtype of the inbound stream's codec entry", () => {
      const { quality } = summarizeStats(
        [opus, pcmu, vp8, inbound("audio", 1000, { codecId: "C-pcmu" }), outbound("audio", 1000, { codecId: "C-opus" }), inbound("video", 1000, { codecId: "C-vp8" })],
        undefined,
        1000,
      );
      assert.equal(audioOf({ quality }).codec, "PCMU");
      assert.equal(videoOf({ quality }).codec, "VP8");
    });

    it("falls back to the outbound codec, and leaves the codec out when no entry matches", () => {
      const sending = summarizeStats([opus, inbound("audio", 1000), outbound("audio", 1000, { codecId: "C-opus" })], undefined, 1000);
      assert.equal(audioOf(sending).codec, "opus");
      const unknown = summarizeStats([inbound("audio", 1000, { codecId: "C-missing" })], undefined, 1000);
      assert.equal(audioOf(unknown).codec, undefined);
      assert.ok(!("codec" in audioOf(unknown)));
    });

    it("converts jitter from seconds to ms and keeps the worst stream's", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { ssrc: 1, jitter: 0.02 }), inbound("audio", 1000, { ssrc: 2, jitter: 0.035 })], undefined, 1000);
      assert.equal(audioOf({ quality }).jitterMs, 35);
    });

    it("takes the round trip from remote-inbound-rtp, in ms", () => {
      const pair = { type: "candidate-pair", id: "CP1", state: "succeeded", nominated: true, currentRoundTripTime: 0.2 };
      const { quality } = summarizeStats([inbound("audio", 1000), outbound("audio", 1000), remoteInbound("audio", { roundTripTime: 0.04 }), pair], undefined, 1000);
      assert.equal(audioOf({ quality }).rttMs, 40);
    });

    it("falls back to the succeeded, nominated candidate pair's round trip", () => {
      const { quality } = summarizeStats(
        [
          inbound("audio", 1000),
          { type: "candidate-pair", id: "CP0", state: "in-progress", nominated: false, currentRoundTripTime: 0.5 },
          { type: "candidate-pair", id: "CP1", state: "succeeded", nominated: true, currentRoundTripTime: 0.06 },
        ],
        undefined,
        1000,
      );
      assert.equal(audioOf({ quality }).rttMs, 60);
    });

    it("prefers the pair the transport names as selected", () => {
      const { quality } = summarizeStats(
        [
          inbound("audio", 1000),
          { type: "transport", id: "T1", selectedCandidatePairId: "CP2" },
          { type: "candidate-pair", id: "CP1", state: "succeeded", nominated: true, currentRoundTripTime: 0.06 },
          { type: "candidate-pair", id: "CP2", state: "succeeded", nominated: true, currentRoundTripTime: 0.09 },
        ],
        undefined,
        1000,
      );
      assert.equal(audioOf({ quality }).rttMs, 90);
    });

    it("leaves the round trip out when nothing measured it", () => {
      const { quality } = summarizeStats([inbound("audio", 1000), { type: "candidate-pair", id: "CP0", state: "failed", currentRoundTripTime: 0.3 }], undefined, 1000);
      assert.ok(!("rttMs" in audioOf({ quality })));
    });
  });

  describe("video", () => {
    it("reports frame size, frame rate, decoded and encoded frames", () => {
      const { quality } = summarizeStats(
        [inbound("video", 1000, { frameWidth: 1280, frameHeight: 720, framesPerSecond: 30, framesDecoded: 900 }), outbound("video", 1000, { framesEncoded: 850 })],
        undefined,
        1000,
      );
      const video = videoOf({ quality });
      assert.deepEqual(
        { w: video.frameWidth, h: video.frameHeight, fps: video.framesPerSecond, dec: video.framesDecoded, enc: video.framesEncoded },
        { w: 1280, h: 720, fps: 30, dec: 900, enc: 850 },
      );
      assert.equal(video.mos, undefined, "MOS is an audio measure");
    });

    it("shows the largest inbound picture and sums decoded frames over the streams", () => {
      const { quality } = summarizeStats(
        [
          inbound("video", 1000, { ssrc: 1, frameWidth: 320, frameHeight: 180, framesPerSecond: 15, framesDecoded: 100 }),
          inbound("video", 1000, { ssrc: 2, frameWidth: 640, frameHeight: 360, framesPerSecond: 24, framesDecoded: 200 }),
        ],
        undefined,
        1000,
      );
      const video = videoOf({ quality });
      assert.equal(video.frameWidth, 640);
      assert.equal(video.frameHeight, 360);
      assert.equal(video.framesPerSecond, 24);
      assert.equal(video.framesDecoded, 300);
    });

    it("adds no video fields to audio streams", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { framesDecoded: 5 })], undefined, 1000);
      assert.ok(!("framesDecoded" in audioOf({ quality })));
    });
  });

  describe("grade and MOS", () => {
    it("grades a clean opus call good, with the audio MOS as the call's", () => {
      const { quality } = summarizeStats(
        [opus, inbound("audio", 1000, { codecId: "C-opus", packetsReceived: 1000, jitter: 0.02 }), outbound("audio", 1000, { codecId: "C-opus" }), remoteInbound("audio", { roundTripTime: 0.04, fractionLost: 0 })],
        undefined,
        1000,
      );
      assert.equal(quality.grade, "good");
      assert.equal(quality.mos, estimateMos({ lossPercent: 0, jitterMs: 20, rttMs: 40, codec: "opus" }));
      assert.equal(audioOf({ quality }).mos, quality.mos);
    });

    it("grades 10% PCMU loss poor", () => {
      const { quality } = summarizeStats([pcmu, inbound("audio", 1000, { codecId: "C-pcmu", packetsReceived: 900, packetsLost: 100 })], undefined, 1000);
      assert.equal(quality.grade, "poor");
      assert.ok(quality.mos !== undefined && quality.mos < 3.6);
    });

    it("lets audio decide even when the video is bad", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { packetsReceived: 1000 }), inbound("video", 1000, { packetsReceived: 50, packetsLost: 50 })], undefined, 1000);
      assert.equal(quality.grade, "good");
    });

    it("grades a video-only call from its loss: ≤ 2% good, ≤ 8% fair, else poor", () => {
      const gradeAt = (lost: number) => summarizeStats([inbound("video", 1000, { packetsReceived: 100 - lost, packetsLost: lost })], undefined, 1000).quality;
      assert.equal(gradeAt(2).grade, "good");
      assert.equal(gradeAt(3).grade, "fair");
      assert.equal(gradeAt(8).grade, "fair");
      assert.equal(gradeAt(9).grade, "poor");
      assert.equal(gradeAt(2).mos, undefined);
    });

    it("reports no streams and no MOS before any RTP stream exists", () => {
      const { quality, snapshot } = summarizeStats([{ type: "candidate-pair", id: "CP0", state: "in-progress" }], undefined, 1234);
      assert.deepEqual(quality, { grade: "good", at: 1234 });
      assert.deepEqual(snapshot, {});
    });
  });

  describe("robustness", () => {
    it("ignores NaN, strings and negative jitter instead of propagating them", () => {
      const { quality } = summarizeStats([inbound("audio", 1000, { bytesReceived: "lots", packetsReceived: NaN, packetsLost: null, jitter: -1 })], undefined, 1000);
      const audio = audioOf({ quality });
      for (const field of ["sendKbps", "receiveKbps", "lossPercent", "jitterMs", "mos"] as const) {
        const v = audio[field];
        assert.ok(typeof v === "number" && Number.isFinite(v) && v >= 0, `${field} = ${String(v)}`);
      }
    });

    it("returns plain JSON that survives the trip to the host unchanged", () => {
      const result = twice(
        [opus, vp8, inbound("audio", 1000, { codecId: "C-opus" }), inbound("video", 1000, { codecId: "C-vp8", frameWidth: 640, frameHeight: 480 })],
        [opus, vp8, inbound("audio", 2000, { codecId: "C-opus", bytesReceived: 8000 }), inbound("video", 2000, { codecId: "C-vp8", frameWidth: 640, frameHeight: 480, bytesReceived: 90_000 })],
      );
      assert.deepEqual(JSON.parse(JSON.stringify(result.quality)), result.quality);
      const snapshot: StatsSnapshot = JSON.parse(JSON.stringify(result.snapshot));
      assert.deepEqual(snapshot, result.snapshot);
      assert.equal(result.quality.at, 10_000);
    });
  });
});
