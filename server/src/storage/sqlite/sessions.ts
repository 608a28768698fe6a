import type { SessionStore } from "../../sessions/store.js";
import type { User, UserId } from "../../users.js";
import type { SqliteDatabase } from "./database.js";
import type { WriteBatch } from "./write-batch.js";

interface SessionRow {
  user_id: string;
  name: string;
  name_key: string;
}

export class SqliteSessionStore implements SessionStore {
  private readonly insert;
  private readonly endNameHolders;
  private readonly byTokenHash;
  private readonly endOne;
  private readonly knownName;
  private readonly createTx;

  constructor(
    db: SqliteDatabase,
    private readonly writes: WriteBatch,
  ) {
    this.insert = db.prepare(
      "INSERT INTO sessions (user_id, name, name_key, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.endNameHolders = db.prepare(
      "UPDATE sessions SET ended_at = ? WHERE name_key = ? AND ended_at IS NULL AND user_id <> ?",
    );
    this.byTokenHash = db.prepare<[string], SessionRow>(
      "SELECT user_id, name, name_key FROM sessions WHERE token_hash = ? AND ended_at IS NULL",
    );
    this.endOne = db.prepare("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL");
    this.knownName = db.prepare<[string], { found: number }>(
      "SELECT 1 AS found FROM sessions WHERE name_key = ? LIMIT 1",
    );
    this.createTx = db.transaction((user: User, tokenHash: string, now: number) => {
      this.endNameHolders.run(now, user.key, user.id);
      this.insert.run(user.id, user.name, user.key, tokenHash, now);
    });
  }

  /** Group-committed with every other write of the turn: a storm of logins shares its fsyncs. */
  create(user: User, tokenHash: string, now: number): Promise<void> {
    return this.writes.run(() => this.createTx(user, tokenHash, now));
  }

  async findByTokenHash(tokenHash: string): Promise<User | null> {
    const row = this.byTokenHash.get(tokenHash);
    return row ? { id: row.user_id, name: row.name, key: row.name_key } : null;
  }

  async end(id: UserId, now: number): Promise<void> {
    this.endOne.run(now, id);
  }

  async isKnownName(key: string): Promise<boolean> {
    return this.knownName.get(key) !== undefined;
  }
}
