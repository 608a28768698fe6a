import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDataDir } from "../../test-support/chat-server.js";
import { openDatabase } from "./database.js";
import { migrations } from "./migrations.js";

/** A database as the first release left it: only migration v1 applied, with a message in it. */
function firstReleaseDatabase(): string {
  const dataDir = tempDataDir();
  const db = new Database(join(dataDir, "chat.db"));
  db.exec(migrations[0] as string);
  db.pragma("user_version = 1");
  db.prepare(
    `INSERT INTO messages (from_id, from_name, from_key, text, sent_at, client_id)
     VALUES ('u1', 'Ann', 'ann', 'from the first release', 1, 'c1')`,
  ).run();
  db.close();
  return dataDir;
}

describe("the SQLite schema", () => {
  it("is created at the newest version in a new data directory, in WAL mode", () => {
    const db = openDatabase(tempDataDir());
    expect(db.pragma("user_version", { simple: true })).toBe(migrations.length);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("brings a database of the first release up to date and keeps its messages", () => {
    const dataDir = firstReleaseDatabase();
    for (let open = 0; open < 2; open++) {
      const db = openDatabase(dataDir);
      expect(db.pragma("user_version", { simple: true })).toBe(migrations.length);
      expect(db.prepare("SELECT text FROM messages").pluck().all()).toEqual(["from the first release"]);
      db.close();
    }
  });

  it("refuses a database written by a newer server instead of guessing at its schema", () => {
    const dataDir = tempDataDir();
    const db = new Database(join(dataDir, "chat.db"));
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openDatabase(dataDir)).toThrow(/newer than this server/);
  });
});
