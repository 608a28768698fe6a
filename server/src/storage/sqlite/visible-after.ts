import type { UserId } from "../../users.js";
import type { SqliteDatabase } from "./database.js";

/** Its next row after an id, or undefined once it has none. */
type Stream<Row> = (after: number) => Row | undefined;

interface Peers {
  viewer: UserId;
  after: number;
}

interface Head<Row> {
  row: Row;
  next: Stream<Row>;
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
 * direction) by id: a seek or two per conversation the user has had, then one per message returned.
 */
export class VisibleAfter<Row extends { id: number }> {
  private readonly groupNext;
  private readonly sentNext;
  private readonly receivedNext;
  private readonly sentTo;
  private readonly receivedFrom;

  constructor(db: SqliteDatabase, columns: string) {
    const next = (where: string) =>
      `SELECT ${columns} FROM messages WHERE ${where} AND id > ? ORDER BY id LIMIT 1`;
    this.groupNext = db.prepare<[number], Row>(next("to_id IS NULL"));
    this.sentNext = db.prepare<[UserId, string, number], Row>(
      next("from_id = ? AND to_key = ? AND to_id IS NOT NULL"),
    );
    this.receivedNext = db.prepare<[UserId, string, number], Row>(next("to_id = ? AND from_key = ?"));
    this.sentTo = db.prepare<Peers, string>(peersWithNews("from_id", "to_key")).pluck();
    this.receivedFrom = db.prepare<Peers, string>(peersWithNews("to_id", "from_key")).pluck();
  }

  rows(viewer: UserId, after: number, limit: number): Row[] {
    const streams: Stream<Row>[] = [
      (id) => this.groupNext.get(id),
      ...this.sentTo.all({ viewer, after }).map(
        (key): Stream<Row> =>
          (id) =>
            this.sentNext.get(viewer, key, id),
      ),
      ...this.receivedFrom.all({ viewer, after }).map(
        (key): Stream<Row> =>
          (id) =>
            this.receivedNext.get(viewer, key, id),
      ),
    ];
    // Each stream's next row, newest first: the oldest is always the last.
    const heads: Head<Row>[] = [];
    for (const next of streams) insertHead(heads, next, after);
    const rows: Row[] = [];
    while (rows.length < limit) {
      const head = heads.pop();
      if (head === undefined) break;
      rows.push(head.row);
      insertHead(heads, head.next, head.row.id);
    }
    return rows;
  }
}

/** Reads the stream's next row after `after` and files it by id among the heads, if it has one. */
function insertHead<Row extends { id: number }>(heads: Head<Row>[], next: Stream<Row>, after: number): void {
  const row = next(after);
  if (row === undefined) return;
  let low = 0;
  let high = heads.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((heads[middle] as Head<Row>).row.id > row.id) low = middle + 1;
    else high = middle;
  }
  heads.splice(low, 0, { row, next });
}
