import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (never a downloaded one), the tests' flags, every process of it pinned to one core. */

const CHROMIUM = "/usr/bin/chromium";

/** Headless, and nothing that reaches for the network on its own. The browser tests launch with these too. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why the client scenario cannot run here, or null when it can. */
export function chromiumUnavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `Chromium is not installed (${CHROMIUM}; Debian package \`chromium\`)`;
}

export interface PinnedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Playwright starts the executable itself, so a two-line wrapper puts `taskset` in front: the browser process
 * and every renderer it forks inherit the core, and stay off the server's.
 */
export async function launchPinnedChromium(core: number): Promise<PinnedBrowser> {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-chromium-"));
  const wrapper = join(dir, "chromium");
  writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c ${core} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  const browser = await chromium.launch({ executablePath: wrapper, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
