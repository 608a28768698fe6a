import { uniqueNameKey } from "@chat/shared/name-skeleton";
import type { SqliteDatabase } from "./database.js";

/** A step: SQL, or a function for what SQL cannot compute, run within the step's transaction. */
export type Migration = string | ((db: SqliteDatabase) => void);

/**
 * Sets every stored name key to uniqueNameKey of the name beside it. Append it again as a new step
 * whenever uniqueNameKey changes (a newer confusables.txt, say): keys are compared, never recomputed on read.
 * Only rows whose key changes are written. No key is unique, so names that now share one cannot fail the
 * step: see v3.
 */
function recomputeNameKeys(db: SqliteDatabase): void {
  db.function("unique_name_key", { deterministic: true }, (name: unknown) =>
    typeof name === "string" ? uniqueNameKey(name) : null,
  );
  db.exec(`
    UPDATE sessions SET name_key = unique_name_key(name) WHERE name_key IS NOT unique_name_key(name);
    UPDATE messages SET from_key = unique_name_key(from_name) WHERE from_key IS NOT unique_name_key(from_name);
    UPDATE messages SET to_key = unique_name_key(to_name) WHERE to_key IS NOT unique_name_key(to_name);
  `);
}

/**
 * Schema history. Append only: an existing entry is never edited, so a database written by any earlier
 * version is brought forward step by step. `PRAGMA user_version` holds how many have been applied.
 */
export const migrations: readonly Migration[] = [
  // v1: sessions and messages.
  `
  CREATE TABLE sessions (
    user_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER
  );
  CREATE INDEX sessions_by_name_key ON sessions (name_key);

  -- AUTOINCREMENT: ids are never reused, so "after id X" stays meaningful for every client.
  CREATE TABLE messages (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    from_id   TEXT NOT NULL,
    from_name TEXT NOT NULL,
    from_key  TEXT NOT NULL,
    to_id     TEXT,
    to_name   TEXT,
    to_key    TEXT,
    text      TEXT NOT NULL,
    sent_at   INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    UNIQUE (from_id, client_id)
  );
  CREATE INDEX messages_group ON messages (id) WHERE to_id IS NULL;
  CREATE INDEX messages_sent_to_key ON messages (from_id, to_key, id) WHERE to_id IS NOT NULL;
  CREATE INDEX messages_received_from_key ON messages (to_id, from_key, id) WHERE to_id IS NOT NULL;
  `,
  // v2: what one user may see after an id, read from their own messages rather than by skipping everyone
  // else's. (Each index costs every private message a write, and the commit its pages: two more.)
  `
  CREATE INDEX messages_sent ON messages (from_id, id) WHERE to_id IS NOT NULL;
  CREATE INDEX messages_received ON messages (to_id, id) WHERE to_id IS NOT NULL;
  `,
  // v3: names that look alike are one name (uniqueNameKey, TR39's skeleton), so "аlice" and "alice" get one
  // key. Two sessions whose names now share it both stay: whichever comes back first holds the name, and
  // the other's resume finds it taken, as when anyone else holds it. Past conversations with either are
  // one conversation from now on, as they would have been had the names been one from the start.
  recomputeNameKeys,
  // v4: v2's indexes go again. Each private message wrote both, a third of the pages its commit wrote, and
  // `sync` now reads the indexes `page` does, one conversation at a time (visible-after.ts).
  `
  DROP INDEX messages_sent;
  DROP INDEX messages_received;
  `,
];
