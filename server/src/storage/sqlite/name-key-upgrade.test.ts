import { join } from "node:path";
import { ErrorCode, nameKey } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { hashToken } from "../../sessions/tokens.js";
import { ChatUser } from "../../test-support/chat-client.js";
import { type RunningChat, startChat, tempDataDir } from "../../test-support/chat-server.js";
import { TestUsers } from "../../test-support/test-users.js";
import { openSqliteStorage } from "./index.js";
import { migrations } from "./migrations.js";

const CYRILLIC_ALICE = "\u0430lice";

/**
 * A database as the release before lookalike names left it (schema v2, keys by nameKey alone): "alice"
 * and a Cyrillic-a "аlice" both logged in, and Bob wrote to the Cyrillic one.
 */
function databaseWithOldKeys(): string {
  const dataDir = tempDataDir();
  const db = new Database(join(dataDir, "chat.db"));
  for (const step of migrations.slice(0, 2)) db.exec(step as string);
  db.pragma("user_version = 2");
  const insertSession = db.prepare(
    "INSERT INTO sessions (user_id, name, name_key, token_hash, created_at) VALUES (?, ?, ?, ?, 1)",
  );
  insertSession.run("latin", "alice", nameKey("alice"), hashToken("latin-token"));
  insertSession.run("cyrillic", CYRILLIC_ALICE, nameKey(CYRILLIC_ALICE), hashToken("cyrillic-token"));
  insertSession.run("bob", "Bob", nameKey("Bob"), hashToken("bob-token"));
  db.prepare(
    `INSERT INTO messages (from_id, from_name, from_key, to_id, to_name, to_key, text, sent_at, client_id)
     VALUES ('bob', 'Bob', ?, 'cyrillic', ?, ?, 'hi', 1, 'c1')`,
  ).run(nameKey("Bob"), CYRILLIC_ALICE, nameKey(CYRILLIC_ALICE));
  db.close();
  return dataDir;
}

describe("upgrading an SQLite database to lookalike name keys", () => {
  let chat: RunningChat | undefined;
  const users = new TestUsers(() => chat?.url ?? "");
  afterEach(async () => {
    users.closeAll();
    await chat?.close();
  });

  it("recomputes stored keys at start, keeping both sessions whose names now share a key", async () => {
    const storage = await openSqliteStorage(databaseWithOldKeys());
    chat = await startChat({ storage });
    const { sessions, messages } = storage;
    const key = uniqueNameKey("alice");
    expect(await sessions.findByTokenHash(hashToken("latin-token"))).toEqual({
      id: "latin",
      name: "alice",
      key,
    });
    expect(await sessions.findByTokenHash(hashToken("cyrillic-token"))).toMatchObject({
      id: "cyrillic",
      key,
    });
    expect(await sessions.isKnownName(uniqueNameKey("ALICE"))).toBe(true);
    // Bob's conversation is found under the key the name has now.
    const page = await messages.page("bob", { key, id: null }, null, 10);
    expect(page.map((message) => message.text)).toEqual(["hi"]);
  });

  it("lets the first of two colliding sessions back hold the name, and nobody else take it", async () => {
    chat = await startChat({ dataDir: databaseWithOldKeys() });
    const cyrillic = await users.connect({ token: "cyrillic-token" });
    expect(cyrillic.session?.name).toBe(CYRILLIC_ALICE);
    const latin = await users.refusal(ChatUser.connect(chat.url, { token: "latin-token" }));
    expect(latin.code).toBe(ErrorCode.SESSION_EXPIRED);
    const newcomer = await users.refusal(ChatUser.login(chat.url, "Alice"));
    expect(newcomer.code).toBe(ErrorCode.NAME_TAKEN);
  });
});
