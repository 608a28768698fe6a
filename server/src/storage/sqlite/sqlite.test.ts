import { rmSync } from "node:fs";
import { join } from "node:path";
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

  it("refuses a second server on the same DATA_DIR while the first runs, and lets it in after", async () => {
    const dataDir = tempDataDir();
    const first = openSqliteStorage(dataDir);
    expect(() => openSqliteStorage(dataDir)).toThrow(
      /DATA_DIR .* is in use by another server process.*REDIS_URL/,
    );
    await first.close();
    opened.push(openSqliteStorage(dataDir));
  });

  it("stops saying ready once its database file is deleted under it", async () => {
    const dataDir = tempDataDir();
    const storage = openSqliteStorage(dataDir);
    opened.push(storage);
    await storage.ping();
    for (const file of ["chat.db", "chat.db-wal", "chat.db-shm"])
      rmSync(join(dataDir, file), { force: true });
    await expect(storage.ping()).rejects.toThrow(/chat\.db was deleted or replaced/);
  });
});
