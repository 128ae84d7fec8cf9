// Small, pure time helpers for the webviews (relative times and countdowns). No DOM, no clocks:
// callers pass `now`, so the functions are deterministic and easy to test.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function startOfDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "Mon", "Mar 3" or "Mar 3, 2023". */
export function relativeTime(ts: number, now: number): string {
  const diff = now - ts;
  if (!Number.isFinite(diff)) return "";
  if (diff < 45_000) return "just now";
  if (diff < HOUR) return `${Math.max(1, Math.round(diff / MINUTE))} min ago`;
  const days = Math.round((startOfDay(now) - startOfDay(ts)) / DAY);
  if (days <= 0) return `${Math.floor(diff / HOUR)} h ago`;
  if (days === 1) return "yesterday";
  const date = new Date(ts);
  if (days < 7) return date.toLocaleDateString(undefined, { weekday: "short" });
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString(undefined, sameYear ? { month: "short", day: "numeric" } : { year: "numeric", month: "short", day: "numeric" });
}

/** Whole seconds from `now` until `ts`, never negative. */
export function secondsUntil(ts: number, now: number): number {
  return Math.max(0, Math.ceil((ts - now) / 1000));
}
