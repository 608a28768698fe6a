import type { ChatMessage } from "@chat/shared";
import type { UserId } from "../../users.js";
import type { SqliteDatabase } from "./database.js";
import { COLUMNS, type MessageRow, toMessage } from "./message-rows.js";
import type { RecentGroup } from "./recent-group.js";

/** Up to `limit` of a stream's rows after an id, oldest first. */
type Read<Row> = (after: number, limit: number) => Row[];

/** A stream's first read; each next one doubles, up to the page asked for. */
const FIRST_READ = 16;

interface Peers {
  viewer: UserId;
  after: number;
}

interface Head<Row extends { id: number }> {
  row: Row;
  stream: Stream<Row>;
}

/**
 * One stream's rows in id order, read a few at a time: a statement per row made a 200-message sync cost
 * 0.8 ms, its steps in and out of SQLite more than the rows. The reads double, so a conversation with one
 * new message costs one small read, and the group chat's page a handful.
 */
class Stream<Row extends { id: number }> {
  private rows: Row[] = [];
  private at = 0;
  private size = FIRST_READ;
  private exhausted = false;

  constructor(
    private readonly read: Read<Row>,
    private after: number,
    private readonly most: number,
  ) {}

  /** Its next row, or undefined once it has none. */
  next(): Row | undefined {
    if (this.at === this.rows.length && !this.exhausted) {
      const size = Math.min(this.size, this.most);
      this.rows = this.read(this.after, size);
      this.at = 0;
      this.exhausted = this.rows.length < size;
      this.size *= 2;
      this.after = this.rows.at(-1)?.id ?? this.after;
    }
    return this.rows[this.at++];
  }
}

/**
 * The peers of one side of a user's conversations that have a message after `@after`. A skip scan of the
 * index `page` reads: each step seeks past the last peer, so it costs a seek or two per peer, all within one
 * statement, rather than one per message.
 */
function peersWithNews(party: "from_id" | "to_id", peer: "to_key" | "from_key"): string {
  const ofViewer = `FROM messages WHERE ${party} = @viewer AND to_id IS NOT NULL`;
  const nextPeer = (past: string) => `SELECT ${peer} ${ofViewer} ${past} ORDER BY ${peer} LIMIT 1`;
  return `WITH RECURSIVE peer(key) AS (
            SELECT (${nextPeer("")})
            UNION ALL
            SELECT (${nextPeer(`AND ${peer} > peer.key`)}) FROM peer WHERE peer.key IS NOT NULL)
          SELECT key FROM peer
          WHERE key IS NOT NULL AND EXISTS (SELECT 1 ${ofViewer} AND ${peer} = peer.key AND id > @after)`;
}

/**
 * What a user may see after an id: the group's messages and their own private ones, oldest first. Read
 * without an index by user: private messages are indexed by conversation only (for `page`), so each one
 * written updates four B-trees instead of six, which halved the writer's CPU per message in a large store
 * (`42-fewer-indexes` in bench/results/notes.md). So this merges one range per stream (the group, and each conversation in each
 * direction) by id: a seek or two per conversation the user has had, then a read per few rows
 * returned.
 */
export class VisibleAfter {
  private readonly groupNext;
  private readonly sentNext;
  private readonly receivedNext;
  private readonly sentTo;
  private readonly receivedFrom;

  constructor(
    db: SqliteDatabase,
    private readonly recentGroup: RecentGroup<ChatMessage>,
  ) {
    const next = (where: string) =>
      `SELECT ${COLUMNS} FROM messages WHERE ${where} AND id > ? ORDER BY id LIMIT ?`;
    this.groupNext = db.prepare<[number, number], MessageRow>(next("to_id IS NULL"));
    this.sentNext = db.prepare<[UserId, string, number, number], MessageRow>(
      next("from_id = ? AND to_key = ? AND to_id IS NOT NULL"),
    );
    this.receivedNext = db.prepare<[UserId, string, number, number], MessageRow>(
      next("to_id = ? AND from_key = ?"),
    );
    this.sentTo = db.prepare<Peers, string>(peersWithNews("from_id", "to_key")).pluck();
    this.receivedFrom = db.prepare<Peers, string>(peersWithNews("to_id", "from_key")).pluck();
  }

  /** At most `limit` messages after `after` and none after `upTo`, oldest first. */
  messages(viewer: UserId, after: number, upTo: number, limit: number): ChatMessage[] {
    const reads: Read<ChatMessage>[] = [
      (id, size) => this.recentGroup.after(id, size) ?? this.groupNext.all(id, size).map(toMessage),
      ...this.sentTo.all({ viewer, after }).map(
        (key): Read<ChatMessage> =>
          (id, size) =>
            this.sentNext.all(viewer, key, id, size).map(toMessage),
      ),
      ...this.receivedFrom.all({ viewer, after }).map(
        (key): Read<ChatMessage> =>
          (id, size) =>
            this.receivedNext.all(viewer, key, id, size).map(toMessage),
      ),
    ];
    // Each stream's next message, newest first: the oldest is always the last.
    const heads: Head<ChatMessage>[] = [];
    for (const read of reads) insertHead(heads, new Stream(read, after, limit));
    const messages: ChatMessage[] = [];
    while (messages.length < limit) {
      const head = heads.pop();
      if (head === undefined || head.row.id > upTo) break;
      messages.push(head.row);
      insertHead(heads, head.stream);
    }
    return messages;
  }
}

/** Takes the stream's next row and files it by id among the heads, if it has one. */
function insertHead<Row extends { id: number }>(heads: Head<Row>[], stream: Stream<Row>): void {
  const row = stream.next();
  if (row === undefined) return;
  let low = 0;
  let high = heads.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((heads[middle] as Head<Row>).row.id > row.id) low = middle + 1;
    else high = middle;
  }
  heads.splice(low, 0, { row, stream });
}
