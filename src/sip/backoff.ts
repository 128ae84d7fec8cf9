// How long to wait before the next reconnect attempt after the SIP WebSocket dropped or failed.
//
//   cap   = min(maxMs, baseMs * 2^attempt)
//   floor = baseMs / 2
//   delay = floor + random() * (cap - floor)          (never below floor, never above cap)
//
// Exponential growth keeps a dead server from being hammered; the random spread ("full jitter")
// keeps many clients that lost the same server from reconnecting in lock-step when it comes back.
// Plain full jitter (random() * cap) can produce ~0 ms waits, which turn a flapping connection
// into a busy loop, hence the floor of half the base delay: recovery is still quick (the first
// retry comes after 0.5–1 s with the defaults) but never immediate.

export interface BackoffOptions {
  /** Delay scale for the first retry; default 1000 ms. */
  baseMs?: number;
  /** Upper bound for any delay; default 60000 ms. */
  maxMs?: number;
  /** Source of randomness in [0, 1); default Math.random. Injectable for tests. */
  random?: () => number;
}

const DEFAULT_BASE_MS = 1000;
const DEFAULT_MAX_MS = 60_000;

/** Milliseconds to wait before retry number `attempt` (0 = the first retry). */
export function reconnectDelay(attempt: number, opts: BackoffOptions = {}): number {
  // Bad options must not break reconnecting (a NaN delay makes setTimeout fire at once, forever),
  // so anything unusable falls back to the default instead of throwing.
  const baseMs = isPositive(opts.baseMs) ? opts.baseMs : DEFAULT_BASE_MS;
  const maxMs = isPositive(opts.maxMs) ? Math.max(opts.maxMs, baseMs) : Math.max(DEFAULT_MAX_MS, baseMs);
  const step = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;

  // 2^step overflows to Infinity for huge attempts, which min() turns into maxMs.
  const cap = Math.min(maxMs, baseMs * 2 ** step);
  const floor = baseMs / 2;
  return Math.round(floor + unitRandom(opts.random) * (cap - floor));
}

function isPositive(value: number | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/** A random number clamped to [0, 1], so a misbehaving source can't escape the bounds. */
function unitRandom(random: (() => number) | undefined): number {
  const value = (random ?? Math.random)();
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
