import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { TurnBatch } from "../turn-batch.js";
import {
  type BatchReply,
  WRITER_READY,
  type WriteOp,
  type WriteResult,
  type WriterMessage,
} from "./write-ops.js";

/**
 * Every write to the database, group-committed on a thread of its own (write-worker.ts). The writes of a
 * turn, and whatever arrives while a batch commits, share one transaction and one fsync, and each resolves
 * once that commit is durable; meanwhile the event loop keeps serving sockets instead of waiting on the
 * disk. This thread keeps its own connection for reads, which WAL lets run beside the writer's commits.
 * A write that throws fails its whole batch, which then commits nothing.
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly batches: TurnBatch<WriteOp, WriteResult>;
  private readonly ended: Promise<void>;
  /**
   * Resolves once the thread has opened the database and can write; rejects if it fails first. Before
   * that, a write would wait for the thread's start as well as its commit, and could pass its deadline.
   */
  readonly started: Promise<void>;
  private answer: ((reply: BatchReply) => void) | null = null;
  private failure: Error | null = null;

  constructor(dataDir: string) {
    this.worker = startWorker("write-worker", { dataDir });
    this.worker.on("message", (message: WriterMessage) => {
      if (message !== WRITER_READY) this.answer?.(message);
    });
    this.worker.on("error", (error) => this.fail(error));
    this.ended = new Promise((resolve) =>
      this.worker.once("exit", () => {
        this.fail(new Error("the SQLite writer thread has ended"));
        resolve();
      }),
    );
    // Its first message is WRITER_READY (see write-worker.ts); `once` rejects on an error event instead.
    this.started = Promise.race([
      once(this.worker, "message").then(() => undefined),
      this.ended.then(() => Promise.reject(this.failure)),
    ]);
    // Whoever opens the storage awaits `started`; a failure after the start reaches every write instead.
    this.started.catch(() => {});
    this.batches = new TurnBatch((ops) => this.commit(ops));
  }

  run(op: WriteOp): Promise<WriteResult> {
    return this.batches.add(op);
  }

  /** For /readyz: throws once the writer thread has failed or ended, since nothing could be stored. */
  assertRunning(): void {
    if (this.failure) throw this.failure;
  }

  /** Commits everything queued, then ends the writer thread. Closing twice is closing once. */
  async close(): Promise<void> {
    await this.batches.flush();
    this.worker.postMessage(null);
    await this.ended;
  }

  /** TurnBatch posts one batch at a time, so the next reply is this batch's. */
  private commit(ops: WriteOp[]): Promise<WriteResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.answer = (reply) => {
        this.answer = null;
        if ("error" in reply) reject(Object.assign(new Error(reply.error), { code: reply.code }));
        else resolve(reply.results);
      };
      this.worker.postMessage(ops);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.answer?.({ error: error.message });
  }
}

/**
 * Starts the worker module next to this one: its .js once built; under `pnpm dev` and the tests, which
 * run the TypeScript sources, its .ts through tsx, which a worker thread has to register for itself.
 */
function startWorker(name: string, workerData: unknown): Worker {
  const here = import.meta.url;
  if (here.endsWith(".js")) return new Worker(new URL(`./${name}.js`, here), { workerData });
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL(`./${name}.ts`, here).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
