import type { ChatMessage, MessageId } from "@chat/shared";
import {
  type AppendResult,
  type ConversationPeer,
  type MessageStore,
  type NewMessage,
  withoutId,
} from "../../messages/store.js";
import type { UserId } from "../../users.js";
import type { SqliteDatabase } from "./database.js";
import { VisibleAfter } from "./visible-after.js";
import type { SqliteWriter } from "./writer.js";

interface MessageRow {
  id: number;
  from_id: string;
  from_name: string;
  to_id: string | null;
  to_name: string | null;
  text: string;
  sent_at: number;
  client_id: string;
}

const COLUMNS = "id, from_id, from_name, to_id, to_name, text, sent_at, client_id";
/** Larger than any id: "before nothing" reads from the newest message. */
const NEWEST = Number.MAX_SAFE_INTEGER;

function toMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    from: row.from_name,
    fromId: row.from_id,
    to: row.to_name,
    toId: row.to_id,
    text: row.text,
    sentAt: row.sent_at,
    clientId: row.client_id,
  };
}

/** Appends go through the writer thread (see SqliteWriter); reads are served here, beside its commits. */
export class SqliteMessageStore implements MessageStore {
  private readonly byClientId;
  private readonly groupPage;
  private readonly privatePage;
  private readonly identityPage;
  private readonly visible;

  constructor(
    db: SqliteDatabase,
    private readonly writer: SqliteWriter,
  ) {
    this.byClientId = db.prepare<[string, string], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE from_id = ? AND client_id = ?`,
    );
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
    // The same ranges, narrowed to one identity: a name has had few holders, so little is skipped.
    this.identityPage = db.prepare<
      [UserId, string, UserId, number, number, UserId, string, UserId, number, number, number],
      MessageRow
    >(
      `SELECT * FROM (SELECT ${COLUMNS} FROM messages
                       WHERE from_id = ? AND to_key = ? AND to_id = ? AND id < ? ORDER BY id DESC LIMIT ?)
       UNION ALL
       SELECT * FROM (SELECT ${COLUMNS} FROM messages
                       WHERE to_id = ? AND from_key = ? AND from_id = ? AND id < ? ORDER BY id DESC LIMIT ?)
       ORDER BY id DESC LIMIT ?`,
    );
    this.visible = new VisibleAfter<MessageRow>(db, COLUMNS);
  }

  /** One process holds every socket: if it dies, every client reconnects and catches up with `sync`. */
  delivered(): Promise<void> {
    return Promise.resolve();
  }

  async append(message: NewMessage): Promise<AppendResult> {
    const id = await this.writer.run({ kind: "appendMessage", message });
    if (id === null) {
      const original = this.byClientId.get(message.from.id, message.clientId) as MessageRow;
      return { message: toMessage(original), duplicate: true };
    }
    return {
      message: { id, ...withoutId(message) },
      duplicate: false,
    };
  }

  async findByClientId(from: UserId, clientId: string): Promise<ChatMessage | null> {
    const row = this.byClientId.get(from, clientId);
    return row ? toMessage(row) : null;
  }

  async page(
    viewer: UserId,
    peer: ConversationPeer | null,
    before: MessageId | null,
    limit: number,
  ): Promise<ChatMessage[]> {
    const below = before ?? NEWEST;
    let rows: MessageRow[];
    if (peer === null) rows = this.groupPage.all(below, limit);
    else if (peer.id === null) {
      rows = this.privatePage.all(viewer, peer.key, below, limit, viewer, peer.key, below, limit, limit);
    } else {
      const { key, id } = peer;
      rows = this.identityPage.all(viewer, key, id, below, limit, viewer, key, id, below, limit, limit);
    }
    return rows.reverse().map(toMessage);
  }

  async visibleAfter(viewer: UserId, after: MessageId | null, limit: number): Promise<ChatMessage[]> {
    return this.visible.rows(viewer, after ?? 0, limit).map(toMessage);
  }
}
