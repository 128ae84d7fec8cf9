import assert from "node:assert/strict";
import { reconnectDelay } from "../../src/sip/backoff";

const low = () => 0;
const high = () => 1;
const mid = () => 0.5;

describe("reconnectDelay", () => {
  it("waits between baseMs/2 and baseMs before the first retry", () => {
    assert.equal(reconnectDelay(0, { random: low }), 500);
    assert.equal(reconnectDelay(0, { random: high }), 1000);
    assert.equal(reconnectDelay(0, { random: mid }), 750);
  });

  it("doubles the upper bound with each attempt", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((a) => reconnectDelay(a, { random: high })),
      [1000, 2000, 4000, 8000, 16000, 32000],
    );
  });

  it("never exceeds maxMs", () => {
    assert.equal(reconnectDelay(6, { random: high }), 60000);
    assert.equal(reconnectDelay(50, { random: high }), 60000);
    assert.equal(reconnectDelay(10_000, { random: high }), 60000, "2^10000 overflows to Infinity");
    assert.equal(reconnectDelay(Number.MAX_SAFE_INTEGER, { random: high }), 60000);
  });

  it("never goes below baseMs/2, however late the attempt", () => {
    for (const attempt of [0, 1, 5, 20, 1000]) assert.equal(reconnectDelay(attempt, { random: low }), 500);
  });

  it("spreads later attempts over the whole range (full jitter)", () => {
    assert.equal(reconnectDelay(10, { random: mid }), Math.round(500 + 0.5 * (60000 - 500)));
  });

  it("stays within bounds with the real random source", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      for (let i = 0; i < 50; i++) {
        const d = reconnectDelay(attempt);
        const cap = Math.min(60000, 1000 * 2 ** attempt);
        assert.ok(d >= 500 && d <= cap, `attempt ${attempt}: ${d}`);
        assert.ok(Number.isInteger(d));
      }
    }
  });

  it("honours custom baseMs and maxMs", () => {
    assert.equal(reconnectDelay(0, { baseMs: 200, random: low }), 100);
    assert.equal(reconnectDelay(0, { baseMs: 200, random: high }), 200);
    assert.equal(reconnectDelay(3, { baseMs: 200, maxMs: 1000, random: high }), 1000);
    assert.equal(reconnectDelay(2, { baseMs: 200, maxMs: 1000, random: high }), 800);
  });

  it("returns whole milliseconds", () => {
    assert.equal(reconnectDelay(0, { baseMs: 3, random: () => 0.3 }), Math.round(1.5 + 0.3 * 1.5));
  });

  it("treats bad attempts as the first retry", () => {
    for (const attempt of [-1, -100, NaN, -Infinity]) {
      assert.equal(reconnectDelay(attempt, { random: high }), 1000, String(attempt));
    }
    assert.equal(reconnectDelay(Infinity, { random: high }), 1000, "Infinity is not a real attempt count");
  });

  it("rounds fractional attempts down", () => {
    assert.equal(reconnectDelay(2.9, { random: high }), 4000);
  });

  it("falls back to defaults for unusable options instead of returning NaN", () => {
    for (const baseMs of [0, -5, NaN, Infinity]) {
      assert.equal(reconnectDelay(0, { baseMs, random: high }), 1000, `baseMs ${baseMs}`);
    }
    for (const maxMs of [0, -5, NaN]) {
      assert.equal(reconnectDelay(20, { maxMs, random: high }), 60000, `maxMs ${maxMs}`);
    }
  });

  it("raises a maxMs below baseMs to baseMs", () => {
    assert.equal(reconnectDelay(5, { baseMs: 2000, maxMs: 100, random: high }), 2000);
    assert.equal(reconnectDelay(5, { baseMs: 2000, maxMs: 100, random: low }), 1000);
  });

  it("raises the default maxMs when baseMs is larger than it", () => {
    assert.equal(reconnectDelay(3, { baseMs: 120_000, random: high }), 120_000);
  });

  it("clamps a misbehaving random source", () => {
    assert.equal(reconnectDelay(0, { random: () => 7 }), 1000);
    assert.equal(reconnectDelay(0, { random: () => -3 }), 500);
    assert.equal(reconnectDelay(0, { random: () => NaN }), 500);
  });
});
