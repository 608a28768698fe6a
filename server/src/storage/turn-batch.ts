interface Waiting<In, Out> {
  input: In;
  resolve: (output: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the calls made within one turn of the event loop are written as one batch (one SQLite
 * transaction, one Redis script: one fsync), and each caller is answered only once the batch is written.
 */
export class TurnBatch<In, Out> {
  private pending: Waiting<In, Out>[] = [];

  /** `write` answers each input of the batch, in order; if it fails, every caller in the batch gets the error. */
  constructor(private readonly write: (batch: In[]) => Out[] | Promise<Out[]>) {}

  add(input: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ input, resolve, reject }) === 1) setImmediate(() => void this.flush());
    });
  }

  /** Writes everything queued. Also called on close, so that no accepted call is dropped at shutdown. */
  async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      const outputs = await this.write(batch.map((waiting) => waiting.input));
      batch.forEach((waiting, index) => {
        waiting.resolve(outputs[index] as Out);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
