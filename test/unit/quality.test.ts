import * as assert from "node:assert/strict";
import { estimateMos, gradeOf, rFactor, MOS_FAIR, MOS_GOOD, type QualityInputs } from "../../src/calls/quality";

const CODECS = ["opus", "PCMU", "PCMA", "G722", undefined];
const clean = { lossPercent: 0, jitterMs: 20, rttMs: 40 };

/** Values from..to (inclusive) in steps. */
function sweep(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to + 1e-9; v += step) out.push(v);
  return out;
}

function assertNonIncreasing(values: number[], what: string): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i] <= values[i - 1], `${what}: step ${i} rose from ${values[i - 1]} to ${values[i]}`);
  }
}

describe("estimateMos", () => {
  it("rates a clean opus call (0% loss, 20 ms jitter, 40 ms RTT) at 4.2 or better", () => {
    const mos = estimateMos({ ...clean, codec: "opus" });
    assert.ok(mos >= 4.2 && mos <= 4.5, `MOS ${mos}`);
    assert.equal(gradeOf(mos), "good");
  });

  it("rates a perfect network at most 4.5 and at least 4.3 for every codec", () => {
    for (const codec of CODECS) {
      const mos = estimateMos({ lossPercent: 0, jitterMs: 0, rttMs: 0, codec });
      assert.ok(mos >= 4.3 && mos <= 4.5, `${codec}: MOS ${mos}`);
    }
  });

  it("drops PCMU below 3.6 (poor) with 10% loss, even on an otherwise perfect network", () => {
    for (const network of [clean, { lossPercent: 0, jitterMs: 0, rttMs: 0 }]) {
      const mos = estimateMos({ ...network, lossPercent: 10, codec: "PCMU" });
      assert.ok(mos < 3.6, `MOS ${mos} with ${JSON.stringify(network)}`);
      assert.equal(gradeOf(mos), "poor");
    }
  });

  it("rates 10% loss lower than 0% loss in every codec", () => {
    for (const codec of CODECS) {
      const lossless = estimateMos({ ...clean, codec });
      const lossy = estimateMos({ ...clean, lossPercent: 10, codec });
      assert.ok(lossy < lossless - 0.3, `${codec}: ${lossy} vs ${lossless}`);
    }
  });

  it("lets codecs with loss concealment suffer less from the same loss than an unknown codec", () => {
    const at = (codec: string) => estimateMos({ ...clean, lossPercent: 5, codec });
    assert.ok(at("PCMU") > at("opus"), "G.711 with PLC (Bpl 25.1) vs opus (Bpl 20)");
    assert.ok(at("opus") > at("G722"), "opus (Bpl 20) vs unknown (Bpl 10)");
    assert.equal(at("PCMA"), at("PCMU"));
  });

  it("reads the codec in any case and with an audio/ prefix", () => {
    const lossy = { ...clean, lossPercent: 5 };
    assert.equal(estimateMos({ ...lossy, codec: "audio/OPUS" }), estimateMos({ ...lossy, codec: "opus" }));
    assert.equal(estimateMos({ ...lossy, codec: "pcmu" }), estimateMos({ ...lossy, codec: "PCMU" }));
    assert.notEqual(estimateMos({ ...lossy, codec: "opus" }), estimateMos({ ...lossy }), "opus is not the unknown-codec default");
  });

  it("never rises as loss grows (0..100% sweep, every codec)", () => {
    for (const codec of CODECS) {
      const values = sweep(0, 100, 0.5).map((lossPercent) => estimateMos({ ...clean, lossPercent, codec }));
      assertNonIncreasing(values, `loss, ${codec}`);
      assert.ok(values[values.length - 1] < values[0]);
    }
  });

  it("never rises as jitter grows (0..1000 ms sweep, across the 160 ms latency knee)", () => {
    for (const codec of CODECS) {
      const values = sweep(0, 1000, 5).map((jitterMs) => estimateMos({ ...clean, jitterMs, codec }));
      assertNonIncreasing(values, `jitter, ${codec}`);
      assert.ok(values[values.length - 1] < values[0]);
    }
  });

  it("never rises as the round trip grows (0..5000 ms sweep, with and without loss)", () => {
    for (const lossPercent of [0, 3, 20]) {
      const values = sweep(0, 5000, 10).map((rttMs) => estimateMos({ ...clean, lossPercent, rttMs, codec: "opus" }));
      assertNonIncreasing(values, `rtt at ${lossPercent}% loss`);
      assert.ok(values[values.length - 1] < values[0]);
    }
  });

  it("stays within 1..4.5 for dreadful networks", () => {
    assert.equal(estimateMos({ lossPercent: 100, jitterMs: 2000, rttMs: 10_000, codec: "PCMU" }), 1);
    // R ≈ 3 (Id 3.8, Ie_eff 86.4), where the cubic alone gives 0.989
    assert.equal(estimateMos({ lossPercent: 100, jitterMs: 0, rttMs: 284 }), 1, "R near 0, where the cubic dips below 1");
    for (const lossPercent of sweep(0, 100, 1)) {
      const mos = estimateMos({ lossPercent, jitterMs: 300, rttMs: 800 });
      assert.ok(mos >= 1 && mos <= 4.5, `MOS ${mos} at ${lossPercent}%`);
    }
  });

  it("rounds to 2 decimals", () => {
    const mos = estimateMos({ lossPercent: 1.234, jitterMs: 17.3, rttMs: 123.4, codec: "opus" });
    assert.equal(mos, Math.round(mos * 100) / 100);
  });

  it("treats NaN, negative and infinite inputs as 0 instead of throwing", () => {
    const zero = estimateMos({ lossPercent: 0, jitterMs: 0, rttMs: 0, codec: "opus" });
    const nonsense = [NaN, -1, -50, Infinity, -Infinity];
    for (const bad of nonsense) {
      assert.equal(estimateMos({ lossPercent: bad, jitterMs: 0, rttMs: 0, codec: "opus" }), zero, `loss ${bad}`);
      assert.equal(estimateMos({ lossPercent: 0, jitterMs: bad, rttMs: 0, codec: "opus" }), zero, `jitter ${bad}`);
      assert.equal(estimateMos({ lossPercent: 0, jitterMs: 0, rttMs: bad, codec: "opus" }), zero, `rtt ${bad}`);
    }
    const garbage = { lossPercent: "10", jitterMs: null, rttMs: {} } as unknown as QualityInputs;
    assert.equal(estimateMos({ ...garbage, codec: "opus" }), zero, "non-numbers");
    assert.equal(estimateMos({ lossPercent: 0, jitterMs: 0, codec: "opus" }), zero, "a missing rtt counts as 0");
  });

  it("caps loss at 100%", () => {
    assert.equal(rFactor({ lossPercent: 250, jitterMs: 0, codec: "opus" }), rFactor({ lossPercent: 100, jitterMs: 0, codec: "opus" }));
  });
});

describe("rFactor", () => {
  const close = (actual: number, expected: number, tolerance = 1e-9) => assert.ok(Math.abs(actual - expected) < tolerance, `${actual} ≠ ${expected}`);

  it("is 93.2 minus the 10 ms codec delay's impairment on a perfect network", () => {
    close(rFactor({ lossPercent: 0, jitterMs: 0, rttMs: 0, codec: "opus" }), 93.2 - 10 / 40);
  });

  it("counts half the round trip plus twice the jitter as latency, at 1/40 per ms below 160 ms", () => {
    // latency = 60/2 + 2×20 + 10 = 80 ms → Id = 2
    close(rFactor({ lossPercent: 0, jitterMs: 20, rttMs: 60, codec: "opus" }), 93.2 - 2);
  });

  it("charges (latency − 120)/10 from 160 ms on", () => {
    // latency = 380/2 + 10 = 200 ms → Id = 8
    close(rFactor({ lossPercent: 0, jitterMs: 0, rttMs: 380, codec: "opus" }), 93.2 - 8);
    // both pieces give 4 at 160 ms (rtt 300), so there is no jump at the knee
    close(rFactor({ lossPercent: 0, jitterMs: 0, rttMs: 300 }), 93.2 - 4);
    close(rFactor({ lossPercent: 0, jitterMs: 0, rttMs: 299.999999 }), 93.2 - 4, 1e-6);
  });

  it("applies Ie_eff = 95 × Ppl / (Ppl + Bpl) with the codec's Bpl", () => {
    const base = 93.2 - 0.25;
    close(rFactor({ lossPercent: 10, jitterMs: 0, codec: "opus" }), base - (95 * 10) / (10 + 20));
    close(rFactor({ lossPercent: 10, jitterMs: 0, codec: "PCMU" }), base - (95 * 10) / (10 + 25.1));
    close(rFactor({ lossPercent: 10, jitterMs: 0, codec: "weird" }), base - (95 * 10) / (10 + 10));
  });

  it("maps R = 80 to MOS 4.02 by G.107's formula", () => {
    // Id = 13.2 ⇒ latency 252 ms ⇒ rtt 484 ms; 1 + 2.8 + 7e-6 × 80 × 20 × 20 = 4.024
    close(rFactor({ lossPercent: 0, jitterMs: 0, rttMs: 484 }), 80);
    assert.equal(estimateMos({ lossPercent: 0, jitterMs: 0, rttMs: 484 }), 4.02);
  });
});

describe("gradeOf", () => {
  it("is good from 4.0, fair from 3.6, poor below", () => {
    assert.equal(MOS_GOOD, 4.0);
    assert.equal(MOS_FAIR, 3.6);
    assert.equal(gradeOf(4.5), "good");
    assert.equal(gradeOf(4.0), "good");
    assert.equal(gradeOf(3.99), "fair");
    assert.equal(gradeOf(3.6), "fair");
    assert.equal(gradeOf(3.59), "poor");
    assert.equal(gradeOf(1), "poor");
  });

  it("calls a NaN MOS poor rather than good", () => {
    assert.equal(gradeOf(NaN), "poor");
  });
});
