import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Set while a run's directory exists: every project's global setup shares the first one's directory. */
const RUN_DIR = "CHAT_TEST_RUN_DIR";

/**
 * Vitest global setup: one directory holds every temporary file of the run (the tests' data directories,
 * the servers, nginx, Redis and Chromium they start), and it is removed when the run ends. TMPDIR is set
 * before the test workers are created, so they and every process they start inherit it. Each project
 * runs this; only the first creates (and later removes) the directory, so paths stay short enough for
 * the Unix sockets Chromium keeps there.
 */
export default function setup(): (() => void) | undefined {
  if (process.env[RUN_DIR]) return undefined;
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), "chat-tests-"));
  process.env.TMPDIR = root;
  process.env[RUN_DIR] = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    delete process.env[RUN_DIR];
    rmSync(root, { recursive: true, force: true });
  };
}
