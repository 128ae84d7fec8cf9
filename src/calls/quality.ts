// Call quality estimate: a MOS (mean opinion score, 1..4.5) from packet loss, jitter and round
// trip, for the quality indicator of a call. Pure arithmetic, no vscode and no DOM, so that both
// the call window (which measures) and the host can use it.
//
// The model is the ITU-T G.107 E-model in the simplified form commonly used for VoIP monitoring:
//
//   R = 93.2 − Id − Ie_eff
//
// 93.2 is the R that G.107's default parameters give before delay and loss count. Simplifications:
//   • Delay: effective one-way latency d = rtt/2 + 2 × jitter + 10 ms. Half the round trip is the
//     network's one-way delay; a jitter buffer holds about twice the jitter; 10 ms stands for the
//     codec's framing/look-ahead. Id = d/40 below 160 ms, else (d − 120)/10 (the two pieces meet
//     at d = 160, so Id is continuous and rises steeply once delay starts to hurt conversation).
//   • Equipment and loss: Ie_eff = Ie + (95 − Ie) × Ppl / (Ppl + Bpl) (G.107 for random loss),
//     with the codec's Ie (base impairment) and Bpl (robustness to loss). Constants chosen:
//       opus        Ie 0, Bpl 20   (conceals loss itself and may carry in-band FEC; 20 is a common
//                                   choice for it in simplified models)
//       PCMU, PCMA  Ie 0, Bpl 25.1 (G.113 Appendix I, G.711 with packet loss concealment; 4.3 is
//                                   without PLC, but every browser conceals lost G.711 frames)
//       unknown     Ie 0, Bpl 10   (a cautious middle when we cannot tell)
//   • MOS from R with G.107's (Annex B) formula: R < 0 → 1, R > 100 → 4.5, else
//     1 + 0.035 R + 7·10⁻⁶ R (R − 60)(100 − R).
// Echo, noise and the advantage factor are left at their defaults. The result is an estimate
// good for "is this call fine, degraded or bad", not a lab measurement.

import type { QualityGrade } from "../protocol/quality";

export interface QualityInputs {
  /** Packet loss, 0..100. */
  lossPercent: number;
  jitterMs: number;
  /** Round trip; without one the network delay counts as 0. */
  rttMs?: number;
  /** Mime subtype ("opus", "PCMU", …); an "audio/" prefix is tolerated. */
  codec?: string;
}

interface CodecImpairment {
  /** Equipment impairment factor with no loss. */
  ie: number;
  /** Packet-loss robustness factor: the higher, the better the codec hides loss. */
  bpl: number;
}

const CODECS: Readonly<Record<string, CodecImpairment>> = {
  opus: { ie: 0, bpl: 20 },
  pcmu: { ie: 0, bpl: 25.1 },
  pcma: { ie: 0, bpl: 25.1 },
};
const UNKNOWN_CODEC: CodecImpairment = { ie: 0, bpl: 10 };

/** G.107's R with every parameter other than delay and loss at its default. */
const R_BASE = 93.2;
/** Framing/look-ahead delay added to every packet. */
const CODEC_DELAY_MS = 10;

/**
 * Grade thresholds, from the E-model's user-satisfaction bands (ITU-T G.109): R ≥ 80 means users
 * are "satisfied" (MOS ≈ 4.03), R 70..80 "some users dissatisfied" (MOS ≈ 3.6..4.03), below 70
 * many are dissatisfied. So ≥ 4.0 is good, ≥ 3.6 is fair, anything lower is poor.
 */
export const MOS_GOOD = 4.0;
export const MOS_FAIR = 3.6;

/** A measurement we can use: NaN, ±Infinity, negatives and non-numbers count as 0. */
function sane(x: number | undefined): number {
  return typeof x === "number" && Number.isFinite(x) && x > 0 ? x : 0;
}

function codecImpairment(codec: string | undefined): CodecImpairment {
  if (!codec) return UNKNOWN_CODEC;
  const subtype = codec.slice(codec.lastIndexOf("/") + 1).toLowerCase();
  return CODECS[subtype] ?? UNKNOWN_CODEC;
}

/** Delay impairment Id from the effective one-way latency. */
function delayImpairment(rttMs: number, jitterMs: number): number {
  const latency = rttMs / 2 + jitterMs * 2 + CODEC_DELAY_MS;
  return latency < 160 ? latency / 40 : (latency - 120) / 10;
}

/** Effective equipment impairment Ie_eff under random packet loss. */
function lossImpairment(lossPercent: number, codec: CodecImpairment): number {
  return codec.ie + ((95 - codec.ie) * lossPercent) / (lossPercent + codec.bpl);
}

/** The E-model rating R (unrounded, may fall below 0 for dreadful networks). */
export function rFactor(inputs: QualityInputs): number {
  const loss = Math.min(100, sane(inputs.lossPercent));
  const id = delayImpairment(sane(inputs.rttMs), sane(inputs.jitterMs));
  return R_BASE - id - lossImpairment(loss, codecImpairment(inputs.codec));
}

/** MOS from R (G.107, Annex B). Below R ≈ 6.5 the cubic dips under 1, hence the clamp. */
function mosFromR(r: number): number {
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return Math.min(4.5, Math.max(1, mos));
}

/** Estimated MOS, 1..4.5, rounded to 2 decimals. Never throws, whatever the input. */
export function estimateMos(inputs: QualityInputs): number {
  return Math.round(mosFromR(rFactor(inputs)) * 100) / 100;
}

/** Good / fair / poor from a MOS (see MOS_GOOD and MOS_FAIR for why these thresholds). */
export function gradeOf(mos: number): QualityGrade {
  if (mos >= MOS_GOOD) return "good";
  if (mos >= MOS_FAIR) return "fair";
  return "poor";
}
