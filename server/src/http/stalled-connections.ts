import type { Server } from "node:http";
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
 * Bounds what clients that stop reading can make the server hold. An HTTP answer, a long-polling one
 * above all, is handed to its connection whole; a client that never reads it leaves it in the kernel's
 * buffers and the server's until the connection closes, which Node never does by itself while an answer
 * is under way. It may then poll again on a new connection, and again. So a connection on which nothing
 * has moved for `idleMs` is closed, reset when it still holds unsent bytes (a reset drops what the kernel
 * holds at once, which a plain close would keep trying to deliver), and an address may hold only so many
 * connections (see ConnectionLimits.admitsTcp). WebSocket connections are not timed here: ws turns the
 * timeout off once upgraded, and its own unread limit cuts a client that stops reading.
 */
export function guardStalledConnections(http: Server, options: StalledConnectionOptions): void {
  // Node's keep-alive timeout calls this too, for connections at rest between requests: closed, as it would.
  http.setTimeout(options.idleMs, (socket: Socket) => {
    if (socket.writableLength > 0) socket.resetAndDestroy();
    else socket.destroy();
  });
  if (options.behindProxy) return;
  http.on("connection", (socket: Socket) => {
    if (!options.connectionLimits.admitsTcp(socket.remoteAddress ?? "unknown", socket)) socket.destroy();
  });
}
