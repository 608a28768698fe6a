import type { ChatIo } from "../types.js";
import type { HoldWrites } from "./coalesce-writes.js";
import { type EngineConnection, tcpSocketOf, type WriteOptions } from "./engine-internals.js";
import { messageFrame } from "./ws-frames.js";

/** ws's WebSocket.OPEN. */
const WS_OPEN = 1;

/**
 * Packets Engine.IO may hold for a connection whose transport has not taken the last ones (a WebSocket
 * whose client stopped reading never finishes a send, and a long-polling client that stopped polling
 * never collects them), whatever their size: it bounds the work of counting their bytes.
 */
const MAX_QUEUED_PACKETS = 1000;

/** UTF-8's most bytes for one UTF-16 unit: queued text is counted at this, without encoding it. */
const MAX_BYTES_PER_CHAR = 3;

/**
 * Whether a connection's client reads slower than it is written to, past the limits: what waits for it
 * in Engine.IO's queue, plus the bytes on its TCP stream that the kernel has not taken (its own buffer is
 * full by then), including those written (corked) earlier in this callback: a client that sends many
 * requests at once and reads none of the answers is cut as they pile up, not after.
 */
function fallenBehind(connection: EngineConnection, maxUnreadBytes: number): boolean {
  const queued = connection.writeBuffer;
  if (queued.length > MAX_QUEUED_PACKETS) return true;
  let unread = tcpSocketOf(connection)?.writableLength ?? 0;
  for (const { data } of queued) {
    unread += typeof data === "string" ? data.length * MAX_BYTES_PER_CHAR : (data?.length ?? 0);
  }
  return unread > maxUnreadBytes;
}

/**
 * When Engine.IO has nothing queued for a WebSocket connection, a packet goes straight onto its TCP stream
 * (held with the callback's other writes, see coalesceWrites): a broadcast or a presence round as the
 * frame built once for all sockets, anything else (an ack, a reply) framed here. The same bytes, in the
 * same order, without the packet object, queue, flush, send callback and drain events that Engine.IO
 * spends on each packet of each socket, which at a thousand sockets per message cost as much as the
 * writes themselves. Anything else (a packet behind queued ones, a send with a callback, binary data,
 * long-polling) takes Engine.IO's own path. Every write, on either path, first checks that the client
 * has not fallen behind (fallenBehind).
 */
export function writeFramesDirectly(
  io: ChatIo,
  hold: HoldWrites,
  { maxUnreadBytes, onCut }: { maxUnreadBytes: number; onCut: (connection: EngineConnection) => void },
): void {
  // One function for all connections (it gets each as `this`); Engine.IO's own write stays on the prototype.
  function writeFrame(
    this: EngineConnection,
    data: unknown,
    options?: WriteOptions,
    callback?: () => void,
  ): EngineConnection {
    if (this.readyState === "open" && fallenBehind(this, maxUnreadBytes)) {
      // Cut, as a network failure would, before the server holds more for a client that does not read;
      // it comes back and catches up by recovery or sync. What is queued or unsent goes with it now, not
      // after WebSocket's closing handshake, which such a client would not answer.
      this.close(true);
      tcpSocketOf(this)?.destroy();
      onCut(this);
      return this;
    }
    const prebuilt = options?.wsPreEncodedFrame;
    const { transport } = this;
    if (
      (prebuilt ? prebuilt.length === 1 : typeof data === "string") &&
      callback === undefined &&
      this.readyState === "open" &&
      this.writeBuffer.length === 0 &&
      transport.name === "websocket" &&
      transport.socket.readyState === WS_OPEN
    ) {
      const tcp = transport.socket._socket;
      hold(tcp);
      tcp.write(prebuilt ? (prebuilt[0] as Buffer) : messageFrame(data as string));
      return this;
    }
    return Object.getPrototypeOf(this).write.call(this, data, options, callback);
  }
  io.engine.on("connection", (connection: EngineConnection) => {
    connection.write = writeFrame;
  });
}
