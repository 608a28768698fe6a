import { createPinia, setActivePinia } from "pinia";
import { io, type ManagerOptions } from "socket.io-client";
import { ChatConnection } from "../../client/src/connection/chat-connection.js";
import type { ChatSocket } from "../../client/src/connection/socket.js";

/** The web client's own connection code (ChatConnection and its Pinia stores), run in Node. */
export interface WebClient {
  connection: ChatConnection;
  /** The tab's own socket. */
  tab: ChatSocket;
  /** Every socket it opened, in order: the tab's own first, then one per logout made offline. */
  sockets: ChatSocket[];
}

/**
 * A web client of its own (a fresh Pinia, as a new tab has) whose sockets go to `url`, over WebSocket only
 * (unless told otherwise) so that each connection attempt is one TCP connection, and which reconnects
 * within half a second (unless told otherwise).
 */
export function startWebClient(
  url: string,
  transports: ("websocket" | "polling")[] = ["websocket"],
  reconnection: Pick<ManagerOptions, "reconnectionDelay" | "reconnectionDelayMax"> = {
    reconnectionDelay: 50,
    reconnectionDelayMax: 500,
  },
): WebClient {
  const pinia = createPinia();
  setActivePinia(pinia);
  const sockets: ChatSocket[] = [];
  const connection = new ChatConnection(() => {
    const socket: ChatSocket = io(url, {
      autoConnect: false,
      forceNew: true,
      transports,
      ...reconnection,
    });
    sockets.push(socket);
    return socket;
  }, pinia);
  return { connection, tab: sockets[0] as ChatSocket, sockets };
}
