import type { EventEmitter } from "node:events";
import type { RunningChat } from "../../server/src/test-support/chat-server.js";

/**
 * The `auth` of every Socket.IO handshake that reaches the server, refused ones included, in order of
 * arrival. Read off each transport's incoming packets, so it sees handshakes that the server's first
 * middleware turns away.
 */
export function recordHandshakes(chat: RunningChat): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  chat.server.io.engine.on("connection", (transport: EventEmitter) => {
    transport.on("packet", ({ type, data }: { type: string; data?: unknown }) => {
      // A Socket.IO CONNECT to the main namespace is "0" followed by its auth as JSON (protocol v5).
      if (type === "message" && typeof data === "string" && data.startsWith("0")) {
        seen.push(JSON.parse(data.slice(1) || "{}"));
      }
    });
  });
  return seen;
}
