import type { SessionStore } from "../../sessions/store.js";
import type { User, UserId } from "../../users.js";
import type { SqliteDatabase } from "./database.js";
import type { SqliteWriter } from "./writer.js";

interface SessionRow {
  user_id: string;
  name: string;
  name_key: string;
}

/** Writes go through the writer thread (see SqliteWriter), group-committed: a storm of logins shares its fsyncs. */
export class SqliteSessionStore implements SessionStore {
  private readonly byTokenHash;
  private readonly endedByTokenHash;
  private readonly anyByTokenHash;
  private readonly knownName;

  constructor(
    db: SqliteDatabase,
    private readonly writer: SqliteWriter,
  ) {
    this.byTokenHash = db.prepare<[string], SessionRow>(
      "SELECT user_id, name, name_key FROM sessions WHERE token_hash = ? AND ended_at IS NULL",
    );
    this.endedByTokenHash = db.prepare<[string], SessionRow>(
      "SELECT user_id, name, name_key FROM sessions WHERE token_hash = ? AND ended_at IS NOT NULL",
    );
    this.anyByTokenHash = db.prepare<[string], { found: number }>(
      "SELECT 1 AS found FROM sessions WHERE token_hash = ?",
    );
    this.knownName = db.prepare<[string], { found: number }>(
      "SELECT 1 AS found FROM sessions WHERE name_key = ? LIMIT 1",
    );
  }

  async create(user: User, tokenHash: string, now: number): Promise<boolean> {
    return (await this.writer.run({ kind: "createSession", user, tokenHash, now })) === 1;
  }

  async tokenUsed(tokenHash: string): Promise<boolean> {
    return this.anyByTokenHash.get(tokenHash) !== undefined;
  }

  async findByTokenHash(tokenHash: string): Promise<User | null> {
    return userOf(this.byTokenHash.get(tokenHash));
  }

  async findEndedByTokenHash(tokenHash: string): Promise<User | null> {
    return userOf(this.endedByTokenHash.get(tokenHash));
  }

  async end(id: UserId, now: number): Promise<void> {
    await this.writer.run({ kind: "endSession", id, now });
  }

  async isKnownName(key: string): Promise<boolean> {
    return this.knownName.get(key) !== undefined;
  }
}

function userOf(row: SessionRow | undefined): User | null {
  return row ? { id: row.user_id, name: row.name, key: row.name_key } : null;
}
