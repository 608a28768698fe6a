import { parentPort, workerData } from "node:worker_threads";
import { openDatabase, sameFileCheck } from "./database.js";
import { type BatchReply, preparedWrites, WRITER_READY, type WriteOp } from "./write-ops.js";

/**
 * The writer thread: the only connection that writes. Each batch it is posted is one transaction, so
 * the commit's fsync blocks this thread, never the event loop that serves the sockets. A `null` asks it
 * to close the database (checkpointing the WAL) and end.
 */
const port = parentPort;
if (!port) throw new Error("write-worker.js runs as a worker thread");
const db = openDatabase((workerData as { dataDir: string }).dataDir);
const write = preparedWrites(db);
const commit = db.transaction((ops: WriteOp[]) => ops.map(write));
// Refused rather than acknowledged and lost at the next start (see sameFileCheck).
const assertSameFile = sameFileCheck(db);

port.on("message", (ops: WriteOp[] | null) => {
  if (ops === null) {
    db.close();
    port.close();
    return;
  }
  let reply: BatchReply;
  try {
    assertSameFile();
    reply = { results: commit(ops) };
  } catch (error) {
    const { code } = error as { code?: unknown };
    reply = {
      error: error instanceof Error ? error.message : String(error),
      ...(typeof code === "string" ? { code } : {}),
    };
  }
  port.postMessage(reply);
});
port.postMessage(WRITER_READY);
