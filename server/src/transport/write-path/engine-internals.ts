import type { IncomingMessage } from "node:http";
import type { Socket as TcpSocket } from "node:net";

/**
 * What the write path (coalesce-writes, direct-frames, batched-events) uses of an Engine.IO connection
 * and of ws's WebSocket under it, members their typings keep private. Written down once, so an upgrade of
 * either library has one place to check for these (../../library-internals.ts lists every library's).
 */
export interface EngineConnection {
  readyState: "opening" | "open" | "closing" | "closed";
  /** The HTTP request that opened it. */
  request: IncomingMessage;
  /** Packets Engine.IO holds until its transport can take them. */
  writeBuffer: { data?: string | Buffer }[];
  transport: { name: "websocket"; socket: WsSocket } | { name: "polling" };
  write(data: unknown, options?: WriteOptions, callback?: () => void): EngineConnection;
  /** `discard`: drop what is still queued. */
  close(discard?: boolean): void;
}

export interface WriteOptions {
  /** The whole WebSocket frame, built once for every socket a packet goes to. */
  wsPreEncodedFrame?: Buffer[];
}

interface WsSocket {
  /** 0 to 3: CONNECTING, OPEN, CLOSING, CLOSED, as in the browser. */
  readyState: number;
  _socket: TcpSocket;
}

/** The TCP socket under a connection's current transport, when it is a WebSocket (a connection may upgrade). */
export function tcpSocketOf({ transport }: EngineConnection): TcpSocket | null {
  return transport.name === "websocket" ? transport.socket._socket : null;
}
