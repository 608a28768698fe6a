import type { Socket as TcpSocket } from "node:net";
import type { ChatIo } from "./types.js";

/**
 * Whatever a socket is sent after its first frame in a turn of the event loop leaves in one write at the
 * end of that turn. A group commit resolves many sends in the same turn, so under load each socket is
 * sent several frames at once (a presence storm does the same); Socket.IO frames a broadcast once but
 * writes it frame by frame, and on a busy server those per-frame syscalls cost more than everything else
 * a broadcast does. The first frame still leaves at once: a quiet server adds no delay.
 */
export function coalesceWrites(io: ChatIo): void {
  /** Sockets written to in this turn: true once corked. */
  const thisTurn = new Map<TcpSocket, boolean>();
  const endTurn = () => {
    for (const [socket, corked] of thisTurn) if (corked) socket.uncork();
    thisTurn.clear();
  };
  // Before every handover of packets to a transport, including the ones queued while a write was pending,
  // which Engine.IO flushes from that write's callback. One listener on the server, not one per connection.
  io.engine.on("flush", (connection: EngineConnection) => {
    const socket = tcpSocketOf(connection);
    if (!socket) return;
    const corked = thisTurn.get(socket);
    if (corked) return;
    if (thisTurn.size === 0) setImmediate(endTurn);
    if (corked === false) socket.cork();
    thisTurn.set(socket, corked === false);
  });
}

/** What this needs of an Engine.IO connection and of ws's WebSocket, which their typings keep private. */
interface EngineConnection {
  transport: { name: string; socket?: { _socket?: TcpSocket } };
}

/** The TCP socket under a WebSocket transport, looked up per flush since a connection may upgrade. */
function tcpSocketOf({ transport }: EngineConnection): TcpSocket | null {
  return transport.name === "websocket" ? (transport.socket?._socket ?? null) : null;
}
