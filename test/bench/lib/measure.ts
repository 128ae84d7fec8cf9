// What the benchmark's sections share: medians, printing, and a page's renderer CPU from CDP.
import type { BrowserContext, Page } from "playwright-core";

export const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
export const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : "n/a");
export const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "n/a");
export const pct = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} %` : "n/a");
export const errorText = (err: unknown) => (err instanceof Error ? err.message.split("\n")[0] : String(err));

/**
 * A page's renderer process, from CDP Performance.getMetrics: "ProcessTime" = the process's
 * cumulative CPU seconds, all threads (the same figure SystemInfo.getProcessInfo gives for its
 * pid); "ThreadTime" = its main thread's CPU seconds since Performance.enable on this session
 * (hence one session held across a window); "Timestamp" = the page's monotonic clock, seconds.
 */
export interface CpuMark {
  process: number;
  thread: number;
  at: number;
}
export async function cpuMeter(context: BrowserContext, page: Page): Promise<{ read(): Promise<CpuMark>; close(): Promise<void> }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  return {
    read: async () => {
      const { metrics } = await cdp.send("Performance.getMetrics");
      const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
      return { process: get("ProcessTime"), thread: get("ThreadTime"), at: get("Timestamp") };
    },
    close: () => cdp.detach().catch(() => undefined),
  };
}
/** CPU between two marks as % of one core: the whole renderer process, and its main thread alone. */
export const cpuPercent = (a: CpuMark, b: CpuMark) => ({ process: ((b.process - a.process) / (b.at - a.at)) * 100, thread: ((b.thread - a.thread) / (b.at - a.at)) * 100 });
