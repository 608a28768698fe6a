import type { ChatMessage, MessageId } from "@chat/shared";
import type { AppendResult, MessageStore, NewMessage } from "../../messages/store.js";
import type { UserId } from "../../users.js";
import type { SqliteDatabase } from "./database.js";
import type { WriteBatch } from "./write-batch.js";

interface MessageRow {
  id: number;
  from_name: string;
  to_name: string | null;
  text: string;
  sent_at: number;
  client_id: string;
}

const COLUMNS = "id, from_name, to_name, text, sent_at, client_id";
/** Larger than any id: "before nothing" reads from the newest message. */
const NEWEST = Number.MAX_SAFE_INTEGER;

function toMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    from: row.from_name,
    to: row.to_name,
    text: row.text,
    sentAt: row.sent_at,
    clientId: row.client_id,
  };
}

/**
 * Appends are group-committed (WriteBatch): every send that arrives within one turn of the event loop
 * shares one transaction, hence one fsync, and each is acknowledged only after that commit.
 */
export class SqliteMessageStore implements MessageStore {
  private readonly insertOne;
  private readonly byClientId;
  private readonly groupPage;
  private readonly privatePage;
  private readonly visible;

  constructor(
    db: SqliteDatabase,
    private readonly writes: WriteBatch,
  ) {
    const insert = db.prepare<unknown[], MessageRow>(
      `INSERT INTO messages (from_id, from_name, from_key, to_id, to_name, to_key, text, sent_at, client_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (from_id, client_id) DO NOTHING
       RETURNING ${COLUMNS}`,
    );
    this.byClientId = db.prepare<[string, string], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE from_id = ? AND client_id = ?`,
    );
    this.insertOne = ({ from, to, text, sentAt, clientId }: NewMessage): AppendResult => {
      const row = insert.get(from.id, from.name, from.key, to?.id, to?.name, to?.key, text, sentAt, clientId);
      if (row) return { message: toMessage(row), duplicate: false };
      return { message: toMessage(this.byClientId.get(from.id, clientId) as MessageRow), duplicate: true };
    };
    this.groupPage = db.prepare<[number, number], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE to_id IS NULL AND id < ? ORDER BY id DESC LIMIT ?`,
    );
    // Two index range scans, one per direction of the conversation, merged.
    this.privatePage = db.prepare<
      [UserId, string, number, number, UserId, string, number, number, number],
      MessageRow
    >(
      `SELECT * FROM (SELECT ${COLUMNS} FROM messages
                       WHERE from_id = ? AND to_key = ? AND to_id IS NOT NULL AND id < ? ORDER BY id DESC LIMIT ?)
       UNION ALL
       SELECT * FROM (SELECT ${COLUMNS} FROM messages
                       WHERE to_id = ? AND from_key = ? AND id < ? ORDER BY id DESC LIMIT ?)
       ORDER BY id DESC LIMIT ?`,
    );
    this.visible = db.prepare<[number, UserId, UserId, number], MessageRow>(
      `SELECT ${COLUMNS} FROM messages
       WHERE id > ? AND (to_id IS NULL OR from_id = ? OR to_id = ?) ORDER BY id LIMIT ?`,
    );
  }

  /** One process holds every socket: if it dies, every client reconnects and catches up with `sync`. */
  delivered(): Promise<void> {
    return Promise.resolve();
  }

  append(message: NewMessage): Promise<AppendResult> {
    return this.writes.run(() => this.insertOne(message));
  }

  async findByClientId(from: UserId, clientId: string): Promise<ChatMessage | null> {
    const row = this.byClientId.get(from, clientId);
    return row ? toMessage(row) : null;
  }

  async page(
    viewer: UserId,
    peerKey: string | null,
    before: MessageId | null,
    limit: number,
  ): Promise<ChatMessage[]> {
    const below = before ?? NEWEST;
    const rows =
      peerKey === null
        ? this.groupPage.all(below, limit)
        : this.privatePage.all(viewer, peerKey, below, limit, viewer, peerKey, below, limit, limit);
    return rows.reverse().map(toMessage);
  }

  async visibleAfter(viewer: UserId, after: MessageId | null, limit: number): Promise<ChatMessage[]> {
    return this.visible.all(after ?? 0, viewer, viewer, limit).map(toMessage);
  }
}
