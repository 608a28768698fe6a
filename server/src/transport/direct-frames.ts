import type { HoldWrites } from "./coalesce-writes.js";
import type { EngineConnection, WriteOptions } from "./engine-internals.js";
import type { ChatIo } from "./types.js";
import { messageFrame } from "./ws-frames.js";

/** ws's WebSocket.OPEN. */
const WS_OPEN = 1;

/**
 * When Engine.IO has nothing queued for a WebSocket connection, a packet goes straight onto its TCP stream
 * (held with the callback's other writes, see coalesceWrites): a broadcast or a presence round as the
 * frame built once for all sockets, anything else (an ack, a reply) framed here. The same bytes, in the
 * same order, without the packet object, queue, flush, send callback and drain events that Engine.IO
 * spends on each packet of each socket, which at a thousand sockets per message cost as much as the
 * writes themselves. Anything else (a packet behind queued ones, a send with a callback, binary data,
 * long-polling) takes Engine.IO's own path.
 */
export function writeFramesDirectly(io: ChatIo, hold: HoldWrites): void {
  // One function for all connections (it gets each as `this`); Engine.IO's own write stays on the prototype.
  function writeFrame(
    this: EngineConnection,
    data: unknown,
    options?: WriteOptions,
    callback?: () => void,
  ): EngineConnection {
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
