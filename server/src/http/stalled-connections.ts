import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionLimits } from "../limits/connection-limits.js";

export interface StalledConnectionOptions {
  /**
   * How long nothing may move on a connection: longer than Engine.IO lets a waiting long-poll go
   * unanswered (its ping interval), as long as it waits for a client's pong on top.
   */
  idleMs: number;
  connectionLimits: ConnectionLimits;
  /** With proxies in front, every connection comes from one, and limiting them by address is theirs to do. */
  behindProxy: boolean;
}

/**
 * An answer at least this large may still sit in the kernel's buffers when its connection times out
 * (they take up to 4 MB): a client reading at any usable speed has taken it by then (Node's keep-alive
 * timeout, 5 s after the last byte was handed over, needs 50 KB/s).
 */
const LARGE_ANSWER_BYTES = 256 * 1024;

/**
 * Bounds what clients that stop reading can make the server hold. An HTTP answer, a long-polling one
 * above all, is handed to its connection whole; a client that never reads it leaves it in the kernel's
 * buffers and the server's until the connection closes, which Node never does by itself while an answer
 * is under way. It may then poll again on a new connection, and again. So a connection on which nothing
 * has moved for `idleMs` is closed, and an address may hold only so many connections (see
 * ConnectionLimits.admitsTcp). A timed-out connection that still holds unsent bytes, or whose last answer
 * was large, is reset rather than closed: a reset drops what the kernel holds at once, where a close
 * leaves it trying to deliver to a client that reads nothing, for as long as that client answers. (A
 * client too slow to have read a large answer by then loses it, and comes back as after any drop.)
 * WebSocket connections are not timed here: ws turns the timeout off once upgraded, and its own unread
 * limit cuts a client that stops reading.
 */
export function guardStalledConnections(http: Server, options: StalledConnectionOptions): void {
  /** Bytes a connection had written when its latest request came: what its answer wrote is beyond them. */
  const writtenBefore = new WeakMap<Socket, number>();
  // First, before Engine.IO's listener, which may write a waiting long-poll's whole answer at once.
  http.prependListener("request", (req: IncomingMessage) =>
    writtenBefore.set(req.socket, req.socket.bytesWritten),
  );
  // Node's keep-alive timeout calls this too, for connections at rest between requests.
  http.setTimeout(options.idleMs, (socket: Socket) => {
    const lastAnswer = socket.bytesWritten - (writtenBefore.get(socket) ?? socket.bytesWritten);
    if (socket.writableLength > 0 || lastAnswer >= LARGE_ANSWER_BYTES) socket.resetAndDestroy();
    else socket.destroy();
  });
  if (options.behindProxy) return;
  http.on("connection", (socket: Socket) => {
    if (!options.connectionLimits.admitsTcp(socket.remoteAddress ?? "unknown", socket)) socket.destroy();
  });
}
