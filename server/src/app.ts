import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, pino } from "pino";
import { createRequestListener } from "./http/routes.js";
import { Messages } from "./messages/messages.js";
import { Presence } from "./presence/presence.js";
import { Sessions } from "./sessions/sessions.js";
import type { Storage } from "./storage/storage.js";
import { onConnection } from "./transport/connection.js";
import { authenticate } from "./transport/handshake.js";
import { type AdapterFactory, createIo, messageDelivery, presenceAnnouncer } from "./transport/io.js";
import type { ChatIo } from "./transport/types.js";

export interface ChatServerOptions {
  storage: Storage;
  /** How long a user with no socket keeps their name and stays listed. */
  presenceGraceMs?: number;
  /** How often a store shared with other processes is swept for users a dead process left listed. */
  presenceSweepMs?: number;
  /** How broadcasts reach the sockets of other processes (the Redis Streams adapter); none: one process. */
  adapter?: AdapterFactory;
  /** The built client to serve; null serves only the API. */
  clientDir?: string | null;
  maxHttpBufferSize?: number;
  logger?: Logger;
  /** Where the app lives behind a reverse proxy: "/" or a sub-path such as "/chat/". */
  basePath?: string;
  /** Reverse proxies in front of us whose X-Forwarded-For entries are believed; 0 ignores the header. */
  trustProxyHops?: number;
  /** This node's name in a cluster, so the proxy can route a long-polling session back to it. */
  nodeId?: string;
}

export interface ChatServer {
  io: ChatIo;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Graceful: stops accepting, closes every connection (clients reconnect elsewhere), flushes, closes the store. */
  close(): Promise<void>;
}

export const DEFAULTS = {
  presenceGraceMs: 60_000,
  presenceSweepMs: 5_000,
  maxHttpBufferSize: 64 * 1024,
  /** Socket.IO's default recovery window. */
  recoveryWindowMs: 120_000,
};

export function createChatServer(options: ChatServerOptions): ChatServer {
  const log = options.logger ?? pino({ level: "silent" });
  const { storage } = options;
  const graceMs = options.presenceGraceMs ?? DEFAULTS.presenceGraceMs;
  const basePath = options.basePath ?? "/";
  const http = createServer(createRequestListener({ clientDir: options.clientDir ?? null, basePath }));
  const io = createIo(http, {
    path: `${basePath}socket.io`,
    nodeId: options.nodeId,
    // A socket recovered after the grace window would find its user already announced as gone.
    recoveryWindowMs: Math.min(graceMs, DEFAULTS.recoveryWindowMs),
    maxHttpBufferSize: options.maxHttpBufferSize ?? DEFAULTS.maxHttpBufferSize,
    adapter: options.adapter,
  });
  const presence = new Presence(storage.presence, presenceAnnouncer(io), {
    graceMs,
    sweepMs: options.presenceSweepMs ?? DEFAULTS.presenceSweepMs,
    log,
  });
  const sessions = new Sessions(storage.sessions, presence);
  const messages = new Messages(storage.messages, presence, sessions, messageDelivery(io));

  io.use(authenticate(sessions, log, options.trustProxyHops ?? 0));
  io.on("connection", onConnection({ io, sessions, presence, messages, log }));

  return {
    io,
    listen: (port, host = "0.0.0.0") =>
      new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => resolve(http.address() as AddressInfo));
      }),
    async close() {
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections();
      });
      await presence.stop();
      await storage.close();
    },
  };
}
