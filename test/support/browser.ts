// Headless Debian Chromium (playwright-core) with fake capture devices: the fake microphone
// plays a beep pattern, so audio sent from the call window is real, non-silent sound.
import { chromium, type BrowserContext } from "playwright-core";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export const MEDIA_FLAGS = [
  "--use-fake-ui-for-media-stream",
  // Three fake cameras (fake_device_0/1/2; 1 is a depth camera), so a test can switch cameras; microphones and speakers
  // come as a default plus "Fake Audio Input/Output 1" and "2" anyway.
  "--use-fake-device-for-media-stream=device-count=3",
  "--allow-loopback-in-peer-connection",
  "--autoplay-policy=no-user-gesture-required",
];

export async function launchBrowser(runDir: string, extraArgs: string[] = []): Promise<BrowserContext> {
  const profile = join(runDir, "chromium-profile");
  rmSync(profile, { recursive: true, force: true });
  mkdirSync(join(profile, "home"), { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-quic", ...MEDIA_FLAGS, ...extraArgs,
    ],
    env: { ...process.env, HOME: join(profile, "home"), XDG_CONFIG_HOME: join(profile, "home/.config"), XDG_CACHE_HOME: join(profile, "home/.cache") },
  });
}
