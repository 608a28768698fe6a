import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { migrations } from "./migrations.js";

export type SqliteDatabase = Database.Database;

/**
 * Pages the write-ahead log holds before they are copied into chat.db (SQLite's default is 1,000). Every
 * private message lands at a scattered place in four indexes, so a commit dirties pages all over them, and
 * each checkpoint writes them all again: a page written by many commits between two checkpoints is copied
 * once. At this size (about 40 MB of log, then reused) the writer thread spent about a third less per
 * message in a microbenchmark of 200,000 private messages (bench/results/notes.md).
 */
const WAL_CHECKPOINT_PAGES = 10_000;

/** Opens (creating if needed) `chat.db` under dataDir and brings its schema up to date. */
export function openDatabase(dataDir: string): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "chat.db"));
  db.pragma("journal_mode = WAL");
  // FULL: a commit is on disk before we acknowledge it. Message writes are batched, so the fsync is shared.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  migrate(db);
  return db;
}

/**
 * A check that `db`'s file is still the one it opened, which throws when it is not. Deleted or replaced
 * under the server, the file would go on taking writes that the next start no longer sees.
 */
export function sameFileCheck(db: SqliteDatabase): () => void {
  const opened = statSync(db.name).ino;
  return () => {
    if (statSync(db.name, { throwIfNoEntry: false })?.ino !== opened) {
      throw new Error(`${db.name} was deleted or replaced while the server ran`);
    }
  };
}

/** Applies, in order and each in its own transaction, the migrations newer than `user_version`. */
function migrate(db: SqliteDatabase): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`database schema v${current} is newer than this server (v${migrations.length})`);
  }
  migrations.slice(current).forEach((step, index) => {
    db.transaction(() => {
      if (typeof step === "string") db.exec(step);
      else step(db);
      db.pragma(`user_version = ${current + index + 1}`);
    })();
  });
}
