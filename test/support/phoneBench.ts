// The integration suites' common rig: the local PBX, headless Chromium for the call window, and
// the product's core (Softphone, no VS Code) wired to both. Each suite says what differs.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { AccountConfig } from "../../src/accounts/accountConfig";
import { Softphone, type SoftphoneOptions } from "../../src/softphone";
import { consoleLogger } from "../../src/util/logger";
import { launchBrowser } from "./browser";
import { PBX, startPbx, type Pbx } from "./pbx";
import { waitFor } from "./wait";

export const REPO = resolve(__dirname, "../../..");

export interface PhoneBench {
  pbx: Pbx;
  browser: BrowserContext;
  phone: Softphone;
  runDir: string;
  /** Every call window page opened, oldest first. */
  pages: Page[];
  stop(): Promise<void>;
}

/** An account on the bench's registrar. */
export const benchAccount = (id: string, extra: Partial<AccountConfig> = {}): AccountConfig => ({
  id,
  label: id,
  server: PBX.ws,
  uri: `sip:${id}@${PBX.domain}`,
  register: true,
  ...extra,
});

/**
 * Starts the bench in a fresh run directory named after `name`, starts the phone with
 * `accounts` and waits until they are registered. `options` override the defaults (quiet log,
 * the bench's passwords, SIP trace off).
 */
export async function startPhoneBench(
  name: string,
  accounts: AccountConfig[],
  options: Partial<SoftphoneOptions> = {},
  /** The call windows' fake microphone plays this WAV file (looped) instead of Chromium's beeps; more Chromium flags. */
  bench: { microphoneFile?: (runDir: string) => string; browserArgs?: string[] } = {},
): Promise<PhoneBench> {
  const runRoot = process.env.SOFTPHONE_RUN_DIR ?? join(REPO, ".run");
  mkdirSync(runRoot, { recursive: true });
  const runDir = mkdtempSync(join(runRoot, `it-${name}-`));
  const pbx = await startPbx(join(runDir, "pbx"));
  const browser = await launchBrowser(runDir, [...(bench.microphoneFile ? [`--use-file-for-fake-audio-capture=${bench.microphoneFile(runDir)}`] : []), ...(bench.browserArgs ?? [])]);
  const log = options.log ?? benchLog(name);
  const { phone, pages } = benchPhone(browser, join(runDir, "history"), log, options);
  const stop = async () => {
    await phone.dispose().catch(() => undefined);
    await browser.close().catch(() => undefined);
    await pbx.stop().catch(() => undefined);
    if (!process.env.KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
  };
  try {
    await phone.start(accounts);
    const ids = accounts.filter((a) => a.register !== false).map((a) => a.id);
    await waitFor(`${ids.join(", ")} registered`, () => ids.every((id) => phone.getState().accounts.find((a) => a.id === id)?.state === "registered"));
  } catch (err) {
    await stop();
    throw err;
  }
  return { pbx, browser, phone, runDir, pages, stop };
}

function benchLog(name: string) {
  return process.env.PHONE_LOG ? consoleLogger(`it-${name}`) : { ...consoleLogger(`it-${name}`), info: () => undefined };
}

/** A Softphone whose call windows open as pages of `browser`. */
function benchPhone(browser: BrowserContext, historyDir: string, log: SoftphoneOptions["log"], options: Partial<SoftphoneOptions>): { phone: Softphone; pages: Page[] } {
  const pages: Page[] = [];
  const phone = new Softphone({
    log,
    historyDir,
    webviewDir: join(REPO, "dist/webview"),
    mediaDir: join(REPO, "media"),
    password: async (id) => (PBX.users as Record<string, string>)[id],
    openWindow: async (url) => {
      const page = await browser.newPage();
      page.on("pageerror", (e) => log.error(`call window: ${e.message}`));
      // Troubleshooting: CALLWINDOW_CONSOLE=1 shows the page's console in the test output.
      if (process.env.CALLWINDOW_CONSOLE) page.on("console", (m) => console.log(`[call window ${m.type()}] ${m.text()}`));
      pages.push(page);
      await page.goto(url);
    },
    settings: () => ({ sipTrace: false, dtmfMode: "rfc4733" }),
    ...options,
  });
  return { phone, pages };
}

/**
 * Another phone on the same bench (another person: its own call window in the same browser, on
 * its own port). Stopped by its own stop(), before the bench's.
 */
export function addBenchPhone(bench: PhoneBench, name: string, options: Partial<SoftphoneOptions> = {}): { phone: Softphone; pages: Page[]; stop(): Promise<void> } {
  const { phone, pages } = benchPhone(bench.browser, join(bench.runDir, `history-${name}`), options.log ?? benchLog(name), { callWindowPort: 0, ...options });
  return { phone, pages, stop: async () => void (await phone.dispose().catch(() => undefined)) };
}
