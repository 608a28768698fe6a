interface Waiting<In, Out> {
  input: In;
  resolve: (output: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: calls are written in batches (one SQLite transaction, one Redis script: one fsync), and
 * each caller is answered only once its batch is written. One batch is written at a time: the calls of a
 * turn of the event loop leave together, and whatever arrives while a batch is being written leaves, all
 * of it, as the next one. So under load the batches grow instead of the commits queueing up.
 */
export class TurnBatch<In, Out> {
  private pending: Waiting<In, Out>[] = [];
  private writing: Promise<void> | null = null;

  /** `write` answers each input of the batch, in order; if it fails, every caller in the batch gets the error. */
  constructor(private readonly write: (batch: In[]) => Out[] | Promise<Out[]>) {}

  add(input: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      const first = this.pending.push({ input, resolve, reject }) === 1;
      if (first && !this.writing) setImmediate(() => void this.flush());
    });
  }

  /** Writes everything queued, after the batch being written. Also called on close, so no accepted call is dropped. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.writing = this.answer(batch);
    await this.writing;
    this.writing = null;
    if (this.pending.length > 0) void this.flush();
  }

  private async answer(batch: Waiting<In, Out>[]): Promise<void> {
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

/**
 * Runs `write` on chunks of at most `size` items, sent together, and joins their answers in order: Redis
 * runs the scripts one after the other, without one long script holding up everybody else's commands.
 */
export async function inChunks<In, Out>(
  items: In[],
  size: number,
  write: (chunk: In[]) => Promise<Out[]>,
): Promise<Out[]> {
  const chunks: In[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return (await Promise.all(chunks.map(write))).flat();
}
