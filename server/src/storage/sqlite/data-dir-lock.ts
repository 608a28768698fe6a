import { join } from "node:path";
import Database from "better-sqlite3";
import { StartupError } from "../../startup-error.js";

/**
 * Holds DATA_DIR for this process until released. Two servers on one DATA_DIR would share names and
 * history but each keep its own online list and deliver only to its own sockets: a split chat that looks
 * like a working one. The lock is SQLite's exclusive lock on a small file beside the database, which the
 * operating system drops when the process ends, however it ends: nothing stale is left to clean up.
 */
export function lockDataDir(dataDir: string): { release(): void } {
  // No busy wait: a second server is refused at once, not after better-sqlite3's 5 s default.
  const lock = new Database(join(dataDir, "chat.lock"), { timeout: 0 });
  try {
    // Kept after the transaction ends; the transaction itself is never committed, only closed.
    lock.pragma("locking_mode = EXCLUSIVE");
    lock.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    lock.close();
    throw new StartupError(
      `DATA_DIR ${dataDir} is in use by another server process. To run several processes as one chat, ` +
        "give them REDIS_URL instead.",
      { cause: error },
    );
  }
  return { release: () => lock.close() };
}
