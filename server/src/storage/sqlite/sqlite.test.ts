import { rmSync } from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDataDir } from "../../test-support/chat-server.js";
import { message, user } from "../../test-support/storage-fixtures.js";
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

  async function open(dataDir: string): Promise<Storage> {
    const storage = await openSqliteStorage(dataDir);
    opened.push(storage);
    return storage;
  }

  /** A store under dataDir with Ann's session in it, and a way to append her group messages. */
  async function openWithAnn(dataDir: string) {
    const storage = await open(dataDir);
    const ann = user("Ann");
    await storage.sessions.create(ann, "hash-ann", 1);
    return { storage, ann, say: (text: string) => storage.messages.append(message(ann, null, text)) };
  }

  it("reads through indexes only: no request walks the whole table, however many messages others have", async () => {
    const storage = await open(tempDataDir());
    // The stores' prepared statements, and those of the readers they hold (better-sqlite3 keeps each
    // statement's SQL and database with it).
    const isStatement = (value: unknown): value is Database.Statement =>
      value instanceof Object && "source" in value && "database" in value;
    const statements = [...Object.values(storage.messages), ...Object.values(storage.sessions)].flatMap(
      (value: unknown) =>
        isStatement(value)
          ? [value]
          : value instanceof Object
            ? Object.values(value).filter(isStatement)
            : [],
    );
    expect(statements.length).toBeGreaterThanOrEqual(10);
    for (const statement of statements) {
      const named = Object.fromEntries((statement.source.match(/@\w+/g) ?? []).map((p) => [p.slice(1), 1]));
      const positional = (statement.source.match(/\?/g) ?? []).map(() => 1);
      const parameters = Object.keys(named).length > 0 ? [named] : positional;
      const plan = statement.database.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(...parameters);
      const steps = plan.map((row) => (row as { detail: string }).detail);
      // A scan, or a range of the primary key (every message after an id, anyone's), reads others' rows.
      const wholeTable = steps.filter((step) => /^SCAN (messages|sessions)\b|\(rowid[<>]/.test(step));
      expect(wholeTable, statement.source).toEqual([]);
    }
  });

  it("lists the group after any id, from the newest messages it holds in memory or from further back, across a restart", async () => {
    const dataDir = tempDataDir();
    const { storage, ann, say } = await openWithAnn(dataDir);
    // More than it holds in memory (1,000), so that the oldest are read from the database.
    const said = await Promise.all(Array.from({ length: 1100 }, (_, i) => say(`g${i}`)));
    const ids = said.map((result) => result.message.id).sort((x, y) => x - y);
    const expectListsAfter = async (store: Storage) => {
      for (const index of [0, 50, 98, 99, 100, 600, 1098, 1099]) {
        const after = ids[index] as number;
        for (const limit of [1, 500]) {
          const listed = await store.messages.visibleAfter(ann.id, after, limit);
          expect(listed.map((m) => m.id)).toEqual(ids.filter((id) => id > after).slice(0, limit));
        }
      }
    };
    await expectListsAfter(storage);
    await storage.close();
    opened.splice(opened.indexOf(storage), 1);
    await expectListsAfter(await open(dataDir));
  });

  it("never lists after an id a message without an older one the writer committed with it", async () => {
    const dataDir = tempDataDir();
    const storage = await open(dataDir);
    const [ann, bob, vic] = [user("Ann"), user("Bob"), user("Vic")];
    const appended = Promise.all([
      storage.messages.append(message(ann, null, "To everyone")),
      storage.messages.append(message(bob, vic, "To Vic")),
    ]);
    // One batch for the writer thread, which commits it while this thread is busy (with other sockets, say)
    // and has not yet heard back.
    await setImmediate();
    const reader = new Database(join(dataDir, "chat.db"), { readonly: true });
    const committed = reader.prepare<[], number>("SELECT COUNT(*) FROM messages").pluck();
    const deadline = Date.now() + 10_000;
    while (committed.get() !== 2 && Date.now() < deadline) {}
    expect(committed.get()).toBe(2);
    reader.close();
    const meanwhile = await storage.messages.visibleAfter(vic.id, null, 10);

    await appended;
    const after = await storage.messages.visibleAfter(vic.id, null, 10);
    expect(after.map(({ text }) => text)).toEqual(["To everyone", "To Vic"]);
    // What came first may be less, never a later message without an earlier one.
    expect(meanwhile).toEqual(after.slice(0, meanwhile.length));
  });

  it("refuses a second server on the same DATA_DIR while the first runs, and lets it in after", async () => {
    const dataDir = tempDataDir();
    const first = await openSqliteStorage(dataDir);
    await expect(openSqliteStorage(dataDir)).rejects.toThrow(
      /DATA_DIR .* is in use by another server process.*REDIS_URL/,
    );
    await first.close();
    await open(dataDir);
  });

  it("stops saying ready, and refuses writes it would lose, once its database file is deleted", async () => {
    const dataDir = tempDataDir();
    const { storage, say } = await openWithAnn(dataDir);
    await say("before");
    await storage.ping();
    for (const file of ["chat.db", "chat.db-wal", "chat.db-shm"])
      rmSync(join(dataDir, file), { force: true });
    await expect(storage.ping()).rejects.toThrow(/chat\.db was deleted or replaced/);
    // Acknowledging it would be a lie: the next start reads a new, empty chat.db.
    await expect(say("after")).rejects.toThrow(/deleted or replaced/);
  });

  it("counts its database locked by another process as briefly unreachable, not as a fault", async () => {
    const dataDir = tempDataDir();
    const { storage, say } = await openWithAnn(dataDir);
    // An operator's sqlite3 shell, say, holding a write lock past the busy timeout.
    const shell = new Database(join(dataDir, "chat.db"));
    shell.exec("BEGIN EXCLUSIVE");
    const refused: unknown = await say("while locked").catch((error) => error);
    shell.exec("ROLLBACK");
    shell.close();
    expect(storage.unreachable(refused)).toBe(true);
    expect(storage.unreachable(new Error("a fault"))).toBe(false);
    // A full disk passes too: the client is told to try again, not that the server failed.
    expect(
      storage.unreachable(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" })),
    ).toBe(true);
    expect((await say("after")).message.text).toBe("after");
  });
});
