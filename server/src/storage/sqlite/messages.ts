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
import { COLUMNS, type MessageRow, toMessage } from "./message-rows.js";
import { RecentGroup } from "./recent-group.js";
import { VisibleAfter } from "./visible-after.js";
import type { SqliteWriter } from "./writer.js";

/** Larger than any id: "before nothing" reads from the newest message. */
const NEWEST = Number.MAX_SAFE_INTEGER;
/** Group messages held in memory for `sync`: its margin (SYNC_OVERLAP) and a full page, with room to spare. */
const RECENT_GROUP_MESSAGES = 1000;

/** Appends go through the writer thread (see SqliteWriter); reads are served here, beside its commits. */
export class SqliteMessageStore implements MessageStore {
  private readonly byClientId;
  private readonly groupPage;
  private readonly privatePage;
  private readonly identityPage;
  private readonly visible;
  private readonly recentGroup;
  /**
   * The newest id whose append has resolved here, with every older one. `sync` serves nothing newer: the
   * writer thread may have committed more, but the group's messages are read from recentGroup, which
   * learns of each only when its append resolves, so a private message committed in the same batch as an
   * earlier group one would be served without it, and the client's `after` would pass it by.
   */
  private settledUpTo: MessageId;

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
    const newestGroup = this.groupPage.all(NEWEST, RECENT_GROUP_MESSAGES).reverse();
    this.recentGroup = new RecentGroup(newestGroup.map(toMessage), RECENT_GROUP_MESSAGES);
    this.visible = new VisibleAfter(db, this.recentGroup);
    this.settledUpTo = db.prepare<[], number>("SELECT COALESCE(MAX(id), 0) FROM messages").pluck().get() ?? 0;
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
    const stored = { id, ...withoutId(message) };
    if (stored.toId === null) this.recentGroup.add(stored);
    // A batch's appends resolve in the order of their ids, and nothing runs between them.
    this.settledUpTo = Math.max(this.settledUpTo, id);
    return { message: stored, duplicate: false };
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
    return this.visible.messages(viewer, after ?? 0, this.settledUpTo, limit);
  }
}
