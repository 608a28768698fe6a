import type { NewMessage } from "../../messages/store.js";
import type { User, UserId } from "../../users.js";
import type { SqliteDatabase } from "./database.js";

/** Every change to the database, as data: they are made by the writer thread (see writer.ts). */
export type WriteOp =
  | { kind: "appendMessage"; message: NewMessage }
  | { kind: "createSession"; user: User; tokenHash: string; now: number }
  | { kind: "endSession"; id: UserId; now: number };

/**
 * appendMessage: the new message's id, or null when the sender had already sent its clientId. createSession:
 * 1, or 0 when a session already had its token hash. endSession: null.
 */
export type WriteResult = number | null;

/**
 * A batch's answer from the writer thread: one result per op, in order; or why the batch failed, with
 * SQLite's error code when it has one (SQLITE_BUSY: another process locked it).
 */
export type BatchReply = { results: WriteResult[] } | { error: string; code?: string };

/** What the writer thread posts first, once its database is open and its statements prepared. */
export const WRITER_READY = "ready";

export type WriterMessage = BatchReply | typeof WRITER_READY;

/** Prepares the statements once; the returned function makes one change within the caller's transaction. */
export function preparedWrites(db: SqliteDatabase): (op: WriteOp) => WriteResult {
  const insertMessage = db.prepare(
    `INSERT INTO messages (from_id, from_name, from_key, to_id, to_name, to_key, text, sent_at, client_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (from_id, client_id) DO NOTHING`,
  );
  const endNameHolders = db.prepare(
    "UPDATE sessions SET ended_at = ? WHERE name_key = ? AND ended_at IS NULL AND user_id <> ?",
  );
  const tokenUsed = db.prepare("SELECT 1 FROM sessions WHERE token_hash = ?");
  const insertSession = db.prepare(
    "INSERT INTO sessions (user_id, name, name_key, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  const endSession = db.prepare("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL");

  return (op) => {
    switch (op.kind) {
      case "appendMessage": {
        const { from, to, text, sentAt, clientId } = op.message;
        const { changes, lastInsertRowid } = insertMessage.run(
          from.id,
          from.name,
          from.key,
          to?.id,
          to?.name,
          to?.key,
          text,
          sentAt,
          clientId,
        );
        return changes === 0 ? null : Number(lastInsertRowid);
      }
      case "createSession":
        // Checked, not left to the UNIQUE constraint: a failing op would fail the whole batch it shares.
        if (tokenUsed.get(op.tokenHash) !== undefined) return 0;
        // A name has one live session: logging in under it ends any other holder's.
        endNameHolders.run(op.now, op.user.key, op.user.id);
        insertSession.run(op.user.id, op.user.name, op.user.key, op.tokenHash, op.now);
        return 1;
      case "endSession":
        endSession.run(op.now, op.id);
        return null;
    }
  };
}
