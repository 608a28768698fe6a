import type { SqliteDatabase } from "./database.js";

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for every write to the database: writes that arrive within one turn of the event loop (a
 * burst of messages, a storm of logins) share one transaction, hence one fsync, and each resolves only
 * once that commit is durable. A write that throws fails its whole batch, which then commits nothing.
 */
export class WriteBatch {
  private pending: Pending[] = [];
  private readonly commit;

  constructor(db: SqliteDatabase) {
    this.commit = db.transaction((batch: Pending[]) => batch.map(({ write }) => write()));
  }

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { write, resolve: resolve as (value: unknown) => void, reject };
      if (this.pending.push(entry) === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued. Also called on close, so no accepted write is dropped at shutdown. */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      const results = this.commit(batch);
      batch.forEach((entry, index) => {
        entry.resolve(results[index]);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
