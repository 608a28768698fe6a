import type { ClientToServerEvents, ServerToClientEvents } from "@chat/shared";
import type { Server, Socket } from "socket.io";
import type { User } from "../users.js";

/** Set by the handshake middleware; restored with the socket by connection state recovery. */
export interface SocketData {
  user: User;
  token: string;
  /** The client's address: the TCP peer, or what a trusted reverse proxy says it saw. */
  address: string;
}

// biome-ignore lint/complexity/noBannedTypes: Socket.IO's slot for inter-server events, which we do not use.
type NoInterServerEvents = {};

export type ChatIo = Server<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
