import { randomBytes } from "node:crypto";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { ErrorCode } from "@chat/shared";
import { Server, type ServerOptions } from "socket.io";
import type { ConnectionLimits, TransportConnection } from "../limits/connection-limits.js";
import type { OnLimited } from "../limits/rate-limited.js";
import { type User, userRoom } from "../users.js";
import { clientAddress } from "./client-address.js";
import { originRefusal } from "./origin-check.js";
import { recoveryAdapter } from "./recovery-adapter.js";
import type { ChatIo } from "./types.js";
import { coalesceWrites } from "./write-path/coalesce-writes.js";
import { writeFramesDirectly } from "./write-path/direct-frames.js";
import { jsonOnlyParser } from "./write-path/json-only-parser.js";
import { singleBufferFrames } from "./write-path/single-buffer-frames.js";

export interface IoOptions {
  path: string;
  /** This node's name in a cluster, or undefined for a lone process. */
  nodeId: string | undefined;
  /**
   * How broadcasts reach other processes' sockets, or undefined for a single process: then the in-memory
   * RecoveryAdapter, with connection state recovery. Across processes there is none (see createIo).
   */
  adapter: AdapterFactory | undefined;
  /** Reverse proxies whose X-Forwarded-For entries count for per-address limits. */
  trustProxyHops: number;
  /** How long a dropped socket can come back with its missed packets replayed (one process). */
  recoveryWindowMs: number;
  /** The most packets kept for that replay (see RecoveryAdapter). */
  recoveryMaxPackets: number;
  maxHttpBufferSize: number;
  /** A client that falls this far behind in reading is cut (see writeFramesDirectly), and `onLimited` told. */
  maxUnreadBytes: number;
  onLimited: OnLimited;
  /** See originRefusal. */
  allowedOrigins: readonly string[];
  connectionLimits: ConnectionLimits;
  heartbeat: Heartbeat;
}

/** Engine.IO's ping: sent every `intervalMs`; a client that has not answered `timeoutMs` later is dropped. */
export interface Heartbeat {
  intervalMs: number;
  timeoutMs: number;
}

export type AdapterFactory = ServerOptions["adapter"];

/** A transport that never joins the chat still holds a connection slot of its address; this frees it. */
const CONNECT_TIMEOUT_MS = 10_000;

export function createIo(http: HttpServer, options: IoOptions): ChatIo {
  const { connectionLimits, nodeId, trustProxyHops } = options;
  // Recovery replays what a socket missed up to its restore, and the socket receives broadcasts again
  // once the handshake has run. In one process nothing comes between (the handshake completes within one
  // turn of the event loop); across processes the handshake's Redis round trips leave a few milliseconds
  // in which a broadcast reaches no one (measured: 1 to 2 messages lost in 30 recoveries during a chat).
  // There a reconnect is never recovered, and the client catches up by `sync`, which cannot miss.
  const recovery = options.adapter === undefined;
  const io: ChatIo = new Server(http, {
    path: options.path,
    adapter: singleBufferFrames(options.adapter ?? recoveryAdapter(options.recoveryMaxPackets)),
    parser: jsonOnlyParser,
    // Chat frames are small; the 1 MB default lets one client make the server buffer a lot.
    maxHttpBufferSize: options.maxHttpBufferSize,
    // The middleware runs on recovery too: an ended session must not come back by replaying its socket
    // (nor another's: see RecoveryAdapter.restoreSession).
    ...(recovery && {
      connectionStateRecovery: { maxDisconnectionDuration: options.recoveryWindowMs, skipMiddlewares: false },
    }),
    serveClient: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    pingInterval: options.heartbeat.intervalMs,
    pingTimeout: options.heartbeat.timeoutMs,
    // Engine.IO's default already, said out loud: deflating chat-sized frames costs CPU per socket and
    // saves little, and only uncompressed broadcasts reuse one pre-built frame for every socket.
    perMessageDeflate: false,
    // Not Engine.IO's default: it gzips long-polling answers as it sends them, a CPU cost per poll for
    // the few clients WebSocket fails, and nothing else is compressed at run time.
    httpCompression: false,
    // Every handshake (a request without a session id: Engine.IO reads an empty one as none), before any
    // connection exists; a refusal is an HTTP 403. Later requests of a session it let in never come here.
    allowRequest: (request, callback) => {
      const refusal =
        originRefusal(request, options.allowedOrigins) ??
        (connectionLimits.refusesTransport(clientAddress(request, trustProxyHops))
          ? ErrorCode.RATE_LIMITED
          : null);
      callback(refusal, refusal === null);
    },
  });
  io.engine.on("connection", (connection: TransportConnection & { request: IncomingMessage }) =>
    connectionLimits.track(clientAddress(connection.request, trustProxyHops), connection),
  );
  // Behind nginx, a long-polling session must come back to the node that holds it (elsewhere it is an HTTP
  // 400 "Session ID unknown"); the node's name at the front of the session id lets the proxy route by it
  // while new sessions spread freely.
  if (nodeId) io.engine.generateId = () => `${nodeId}-${randomBytes(15).toString("base64url")}`;
  writeFramesDirectly(io, coalesceWrites(io), {
    maxUnreadBytes: options.maxUnreadBytes,
    onCut: (connection) => options.onLimited("unread", clientAddress(connection.request, trustProxyHops)),
  });
  return io;
}

/** Closes every socket of an identity, on every process: how a logout ends the identity's other tabs. */
export function disconnectIdentity(io: ChatIo, user: User): void {
  io.in(userRoom(user.id)).disconnectSockets(true);
}
