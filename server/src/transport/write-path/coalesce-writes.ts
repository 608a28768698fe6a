import type { Socket as TcpSocket } from "node:net";
import type { ChatIo } from "../types.js";
import { type EngineConnection, tcpSocketOf } from "./engine-internals.js";

/** Corks a TCP socket until the work of the current callback is done; see coalesceWrites. */
export type HoldWrites = (socket: TcpSocket) => void;

/**
 * Writes held at once, over all sockets, before they are let go early. Each held write keeps an entry of
 * the stream's queue alive until the cork is lifted, beside its (shared) frame: a server that fell behind
 * answered a group commit of 199 messages to 1,000 sockets in one callback, 199,000 held writes, which
 * survived into V8's old space, and bursts like it grew the heap to 150 MB where 28 MB were live. At this
 * bound a burst holds a few megabytes, and each socket still gets its frames in a few writes: at 5,000
 * sockets, 13 frames a write (at 32,768 fan-out there looked slower; see bench/results/notes.md).
 */
const MAX_HELD_WRITES = 65_536;

/**
 * Everything a socket is sent by one callback of the event loop (with the promise continuations it sets
 * off) leaves in one write. A group commit resolves many sends in one callback, so under load each socket
 * is sent several frames at once (a presence round does the same); Socket.IO frames a broadcast once
 * but writes it frame by frame, and on a busy server those per-frame syscalls cost more than everything
 * else a broadcast does. The cork is lifted as soon as that work is done (process.nextTick runs once the
 * microtask queue is empty), before any other I/O: nothing waits for a later turn.
 */
export function coalesceWrites(io: ChatIo): HoldWrites {
  const hold = boundedCorks(MAX_HELD_WRITES);
  // Before every handover of packets to a transport, including the ones queued while a write was pending,
  // which Engine.IO flushes from that write's callback. One listener on the server, not one per connection.
  io.engine.on("flush", (connection: EngineConnection) => {
    const socket = tcpSocketOf(connection);
    if (socket) hold(socket);
  });
  return hold;
}

/**
 * Corks each socket it is given until the callback's work is done, as coalesceWrites describes; to be
 * called before each write. Past `maxHeld` writes it lifts every cork at once and starts holding anew.
 */
export function boundedCorks(maxHeld: number): HoldWrites {
  let corked: TcpSocket[] = [];
  let held = 0;
  const uncorkAll = () => {
    const sockets = corked;
    corked = [];
    held = 0;
    for (const socket of sockets) socket.uncork();
  };
  return (socket) => {
    if (held === maxHeld) uncorkAll();
    held++;
    if (socket.writableCorked > 0) return;
    if (corked.length === 0) process.nextTick(uncorkAll);
    socket.cork();
    corked.push(socket);
  };
}
