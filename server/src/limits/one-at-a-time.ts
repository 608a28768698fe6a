/**
 * Runs the work of each key one piece at a time, in arrival order. At most `maxWaiting` pieces wait
 * behind the running one; `run` turns away more at once (null), before any of their work is done.
 */
export class OneAtATime {
  private readonly queues = new Map<string, { tail: Promise<unknown>; length: number }>();

  constructor(private readonly maxWaiting: number) {}

  run<T>(key: string, work: () => Promise<T>): Promise<T> | null {
    const queue = this.queues.get(key) ?? { tail: Promise.resolve(), length: 0 };
    if (queue.length > this.maxWaiting) return null;
    queue.length++;
    this.queues.set(key, queue);
    const result = queue.tail.then(work);
    const done = () => {
      queue.length--;
      if (queue.length === 0) this.queues.delete(key);
    };
    queue.tail = result.then(done, done);
    return result;
  }
}
