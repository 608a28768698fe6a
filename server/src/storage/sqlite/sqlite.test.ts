import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDataDir } from "../../test-support/chat-server.js";
import { describeStorageContract } from "../storage.contract.js";
import type { Storage } from "../storage.js";
import { openSqliteStorage } from "./index.js";

describeStorageContract("SQLite", () => {
  const dataDir = tempDataDir();
  return { open: async () => openSqliteStorage(dataDir) };
});

describe("SQLite storage, as an operator meets it", () => {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
  });

  it("reads through indexes only: no request walks the whole table, however many messages others have", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    opened.push(storage);
    // The stores' prepared statements (better-sqlite3 keeps each one's SQL and database with it).
    const statements = [...Object.values(storage.messages), ...Object.values(storage.sessions)].filter(
      (value): value is Database.Statement =>
        value instanceof Object && "source" in value && "database" in value,
    );
    expect(statements.length).toBeGreaterThanOrEqual(5);
    for (const statement of statements) {
      const parameters = (statement.source.match(/\?/g) ?? []).map(() => 1);
      const plan = statement.database.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(...parameters);
      const steps = plan.map((row) => (row as { detail: string }).detail);
      // A scan, or a range of the primary key (every message after an id, anyone's), reads others' rows.
      const wholeTable = steps.filter((step) => /^SCAN (messages|sessions)\b|\(rowid[<>]/.test(step));
      expect(wholeTable, statement.source).toEqual([]);
    }
  });

  it("refuses a second server on the same DATA_DIR while the first runs, and lets it in after", async () => {
    const dataDir = tempDataDir();
    const first = await openSqliteStorage(dataDir);
    await expect(openSqliteStorage(dataDir)).rejects.toThrow(
      /DATA_DIR .* is in use by another server process.*REDIS_URL/,
    );
    await first.close();
    opened.push(await openSqliteStorage(dataDir));
  });

  it("stops saying ready, and refuses writes it would lose, once its database file is deleted", async () => {
    const dataDir = tempDataDir();
    const storage = await openSqliteStorage(dataDir);
    opened.push(storage);
    const ann = { id: "u-ann", name: "Ann", key: "ann" };
    await storage.sessions.create(ann, "hash-ann", 1);
    const message = (text: string) => ({ from: ann, to: null, text, clientId: text, sentAt: 1 });
    await storage.messages.append(message("before"));
    await storage.ping();
    for (const file of ["chat.db", "chat.db-wal", "chat.db-shm"])
      rmSync(join(dataDir, file), { force: true });
    await expect(storage.ping()).rejects.toThrow(/chat\.db was deleted or replaced/);
    // Acknowledging it would be a lie: the next start reads a new, empty chat.db.
    await expect(storage.messages.append(message("after"))).rejects.toThrow(/deleted or replaced/);
  });

  it("counts its database locked by another process as briefly unreachable, not as a fault", async () => {
    const dataDir = tempDataDir();
    const storage = await openSqliteStorage(dataDir);
    opened.push(storage);
    const ann = { id: "u-ann", name: "Ann", key: "ann" };
    await storage.sessions.create(ann, "hash-ann", 1);
    const message = (text: string) => ({ from: ann, to: null, text, clientId: text, sentAt: 1 });
    // An operator's sqlite3 shell, say, holding a write lock past the busy timeout.
    const shell = new Database(join(dataDir, "chat.db"));
    shell.exec("BEGIN EXCLUSIVE");
    const refused: unknown = await storage.messages.append(message("while locked")).catch((error) => error);
    shell.exec("ROLLBACK");
    shell.close();
    expect(storage.unreachable(refused)).toBe(true);
    expect(storage.unreachable(new Error("a fault"))).toBe(false);
    // A full disk passes too: the client is told to try again, not that the server failed.
    expect(
      storage.unreachable(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" })),
    ).toBe(true);
    expect((await storage.messages.append(message("after"))).message.text).toBe("after");
  });
});
