import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { CHROMIUM_ARGS } from "../../bench/src/client/chromium.js";
import { ensureDebianPackage } from "../../server/src/test-support/debian.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";

/** Debian's Chromium, headless, with nothing that reaches for the network on its own (the bench's flags). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = ensureDebianPackage("/usr/bin/chromium", "chromium");
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

export interface BrowserAndServer {
  browser: Browser;
  server: ServerProcess;
}

/**
 * For a test file: the built server on a fresh data directory, with `env` on top, and Chromium, both started
 * before its tests and stopped after them. The fields are set once `beforeAll` has run.
 */
export function browserAndServer(env: Record<string, string> = {}): BrowserAndServer {
  const started = {} as BrowserAndServer;
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chat-e2e-"));
    started.server = await startServerProcess({ PORT: "0", DATA_DIR: dataDir, ...env });
    started.browser = await launchChromium();
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.server?.kill("SIGTERM");
  });
  return started;
}
