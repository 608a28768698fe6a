import { once } from "node:events";
import type { ConnectErrorData } from "@chat/shared";
import { io } from "socket.io-client";
import type { ChatUser } from "../../server/src/test-support/chat-client.js";
import type { RunningChat } from "../../server/src/test-support/chat-server.js";

/** What the Engine.IO handshake tells a client before any Socket.IO packet: its `open` packet's data. */
export async function engineHandshake(url: string): Promise<{ sid: string; maxPayload: number }> {
  const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  const body = await response.text();
  // An Engine.IO v4 `open` packet is "0" followed by its JSON.
  if (!body.startsWith("0")) throw new Error(`not an open packet: ${body}`);
  return JSON.parse(body.slice(1));
}

/**
 * A handshake that must be refused, as socket.io-client reports it: the error `connect_error` carries,
 * and whether the client would retry by itself (`socket.active`) at that moment.
 */
export function refusalOf(
  url: string,
  auth: Record<string, unknown>,
): Promise<{ error: Error & { data?: ConnectErrorData }; active: boolean }> {
  const socket = io(url, { auth, forceNew: true, transports: ["websocket"] });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => {
      socket.close();
      reject(new Error("expected the handshake to be refused"));
    });
    socket.once("connect_error", (error: Error & { data?: ConnectErrorData }) => {
      const active = socket.active;
      socket.close();
      resolve({ error, active });
    });
  });
}

/**
 * Closes a user's connection from their side and resolves once the server has seen it go: from then on
 * that identity is in its grace window (unless another tab is connected).
 */
export async function dropConnection(chat: RunningChat, user: ChatUser): Promise<void> {
  const onServer = chat.server.io.of("/").sockets.get(user.socket.id ?? "");
  if (!onServer) throw new Error(`${user.name} has no socket on the server`);
  const gone = once(onServer, "disconnect");
  user.socket.io.engine.close();
  await gone;
}
