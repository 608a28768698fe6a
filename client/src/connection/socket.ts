import type { ClientToServerEvents, ServerToClientEvents } from "@chat/shared";
import { io, type Socket } from "socket.io-client";

/** The longest socket.io-client waits between two connection attempts. */
export const RECONNECT_DELAY_MAX_MS = 5_000;

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The one socket of this tab. Its path sits next to the page, so a build served under a reverse proxy's
 * sub-path (https://host/chat/) talks to https://host/chat/socket.io without being rebuilt.
 */
export function createChatSocket(): ChatSocket {
  return io({
    path: new URL("socket.io", document.baseURI).pathname,
    autoConnect: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
  });
}
