import type { Socket as TcpSocket } from "node:net";
import { type EngineConnection, tcpSocketOf } from "./engine-internals.js";
import type { ChatIo } from "./types.js";

/** Corks a TCP socket until the work of the current callback is done; see coalesceWrites. */
export type HoldWrites = (socket: TcpSocket) => void;

/**
 * Everything a socket is sent by one callback of the event loop (with the promise continuations it sets
 * off) leaves in one write. A group commit resolves many sends in one callback, so under load each socket
 * is sent several frames at once (a presence round does the same); Socket.IO frames a broadcast once
 * but writes it frame by frame, and on a busy server those per-frame syscalls cost more than everything
 * else a broadcast does. The cork is lifted as soon as that work is done (process.nextTick runs once the
 * microtask queue is empty), before any other I/O: nothing waits for a later turn.
 */
export function coalesceWrites(io: ChatIo): HoldWrites {
  let corked: TcpSocket[] = [];
  const uncorkAll = () => {
    const sockets = corked;
    corked = [];
    for (const socket of sockets) socket.uncork();
  };
  const hold: HoldWrites = (socket) => {
    if (socket.writableCorked > 0) return;
    if (corked.length === 0) process.nextTick(uncorkAll);
    socket.cork();
    corked.push(socket);
  };
  // Before every handover of packets to a transport, including the ones queued while a write was pending,
  // which Engine.IO flushes from that write's callback. One listener on the server, not one per connection.
  io.engine.on("flush", (connection: EngineConnection) => {
    const socket = tcpSocketOf(connection);
    if (socket) hold(socket);
  });
  return hold;
}
