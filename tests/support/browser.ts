import { type Browser, chromium } from "playwright-core";
import { ensureDebianPackage } from "../../server/src/test-support/debian.js";

/** Debian's Chromium, headless, with nothing that reaches for the network on its own. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = ensureDebianPackage("/usr/bin/chromium", "chromium");
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
