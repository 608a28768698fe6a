import { MemoryPresenceStore } from "../../presence/memory-store.js";
import type { Storage } from "../storage.js";
import { openDatabase } from "./database.js";
import { SqliteMessageStore } from "./messages.js";
import { SqliteSessionStore } from "./sessions.js";
import { WriteBatch } from "./write-batch.js";

/**
 * The embedded single-process backend: sessions and messages in SQLite under dataDir. Presence is live
 * state of this process's sockets, so it stays in memory.
 */
export function openSqliteStorage(dataDir: string): Storage {
  const db = openDatabase(dataDir);
  const writes = new WriteBatch(db);
  return {
    sessions: new SqliteSessionStore(db, writes),
    presence: new MemoryPresenceStore(),
    messages: new SqliteMessageStore(db, writes),
    async ping() {
      db.prepare("SELECT 1").get();
    },
    async close() {
      await writes.flush();
      db.close();
    },
  };
}
