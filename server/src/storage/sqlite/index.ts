import { MemoryPresenceStore } from "../../presence/memory-store.js";
import type { Storage } from "../storage.js";
import { openDatabase } from "./database.js";
import { SqliteMessageStore } from "./messages.js";
import { SqliteSessionStore } from "./sessions.js";

/**
 * The embedded single-process backend: sessions and messages in SQLite under dataDir. Presence is live
 * state of this process's sockets, so it stays in memory.
 */
export function openSqliteStorage(dataDir: string): Storage {
  const db = openDatabase(dataDir);
  const messages = new SqliteMessageStore(db);
  return {
    sessions: new SqliteSessionStore(db),
    presence: new MemoryPresenceStore(),
    messages,
    async ping() {
      db.prepare("SELECT 1").get();
    },
    async close() {
      await messages.flush();
      db.close();
    },
  };
}
