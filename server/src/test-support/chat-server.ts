import { type EventEmitter, once } from "node:events";
import { mkdtempSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatServer, type ChatServerOptions, createChatServer } from "../app.js";
import { openSqliteStorage } from "../storage/sqlite/index.js";

export interface RunningChat {
  server: ChatServer;
  url: string;
  port: number;
  dataDir: string;
  /** Resolves once every transport connection open now (sockets or not) has closed on the server. */
  transportsClosed(): Promise<void>;
  /** Resolves to whether the store confirmed every write in time (see ChatServer.close). */
  close(): Promise<boolean>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "chat-test-"));
}

/**
 * A real chat server on an ephemeral loopback port, over the given storage (and adapter), or over SQLite
 * in a fresh (or the given) directory.
 */
export async function startChat(
  options: Partial<ChatServerOptions> & { dataDir?: string; port?: number } = {},
): Promise<RunningChat> {
  const dataDir = options.dataDir ?? tempDataDir();
  const server = createChatServer({
    ...options,
    storage: options.storage ?? (await openSqliteStorage(dataDir)),
  });
  const transports = new Set<EventEmitter>();
  server.io.engine.on("connection", (transport: EventEmitter) => {
    transports.add(transport);
    transport.once("close", () => transports.delete(transport));
  });
  const { port } = await server.listen(options.port ?? 0, "127.0.0.1");
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    transportsClosed: async () => {
      await Promise.all([...transports].map((transport) => once(transport, "close")));
    },
    close: () => server.close(),
  };
}

/**
 * The next handshake's transport closes once the server has logged it in, before the server says so (a
 * middleware after the server's own): the client never learns that its login got through. `then` runs as
 * the answer is lost, before the client can try again.
 */
export function loseNextAnswer(chat: RunningChat, then?: () => void): void {
  let lost = false;
  chat.server.io.use((socket, next) => {
    if (lost) return next();
    lost = true;
    then?.();
    socket.conn.close(true);
  });
}

/**
 * To its clients, the server cannot be reached while `down()` holds: its transports refuse every request
 * (every one for which it holds, given the request).
 */
export function unreachableWhile(chat: RunningChat, down: (request: IncomingMessage) => boolean): void {
  const { opts } = chat.server.io.engine;
  const allow = opts.allowRequest;
  opts.allowRequest = (request, callback) => {
    if (down(request)) callback("unreachable", false);
    else if (allow) allow(request, callback);
    else callback(null, true);
  };
}
