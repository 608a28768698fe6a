import { mkdirSync } from "node:fs";
import { MemoryPresenceStore } from "../../presence/memory-store.js";
import type { Storage } from "../storage.js";
import { lockDataDir } from "./data-dir-lock.js";
import { openDatabase, sameFileCheck } from "./database.js";
import { SqliteMessageStore } from "./messages.js";
import { SqliteSessionStore } from "./sessions.js";
import { SqliteWriter } from "./writer.js";

/**
 * Conditions that pass: locked by another process (a backup, an operator's sqlite3 shell) past the busy
 * timeout, or a full disk (the write is rolled back whole, and goes through once there is room).
 */
const PASSING = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL"]);

/**
 * The embedded single-process backend: sessions and messages in SQLite under dataDir, written by a
 * thread of their own and read on this one. Presence is live state of this process's sockets, so it
 * stays in memory. Resolves once that thread is ready to write: the first requests must not wait for it.
 */
export async function openSqliteStorage(dataDir: string): Promise<Storage> {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  // Opened here first, so a schema migration or a bad data directory fails at start, not in the writer.
  const db = openDatabase(dataDir);
  const assertSameFile = sameFileCheck(db);
  const writer = new SqliteWriter(dataDir);
  try {
    await writer.started;
  } catch (error) {
    db.close();
    lock.release();
    throw error;
  }
  return {
    sessions: new SqliteSessionStore(db, writer),
    presence: new MemoryPresenceStore(),
    messages: new SqliteMessageStore(db, writer),
    async ping() {
      writer.assertRunning();
      assertSameFile();
      db.prepare("SELECT 1").get();
    },
    // Clients are told to try again shortly. Anything else about an embedded file is a fault.
    unreachable: (error) => {
      const code = (error as { code?: unknown } | null)?.code;
      return typeof code === "string" && PASSING.has(code);
    },
    async close() {
      await writer.close();
      db.close();
      lock.release();
    },
  };
}
