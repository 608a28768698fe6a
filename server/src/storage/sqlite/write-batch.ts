import { TurnBatch } from "../turn-batch.js";
import type { SqliteDatabase } from "./database.js";

/**
 * Group commit for every write to the database: writes that arrive within one turn of the event loop (a
 * burst of messages, a storm of logins) share one transaction, hence one fsync, and each resolves only
 * once that commit is durable. A write that throws fails its whole batch, which then commits nothing.
 */
export class WriteBatch {
  private readonly writes: TurnBatch<() => unknown, unknown>;

  constructor(db: SqliteDatabase) {
    const commit = db.transaction((batch: (() => unknown)[]) => batch.map((write) => write()));
    this.writes = new TurnBatch(commit);
  }

  run<T>(write: () => T): Promise<T> {
    return this.writes.add(write) as Promise<T>;
  }

  /** Commits everything queued. Also called on close, so no accepted write is dropped at shutdown. */
  flush(): Promise<void> {
    return this.writes.flush();
  }
}
