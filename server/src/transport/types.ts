import type { ClientToServerEvents, ServerToClientEvents, UserSummary } from "@chat/shared";
import type { Server, Socket } from "socket.io";
import type { PresenceChange } from "../presence/presence.js";
import type { User } from "../users.js";

/**
 * Set by the handshake middleware. Connection state recovery keeps it while the socket is away, and an
 * adapter's fetchSockets sends it to other processes: so never a secret.
 */
export interface SocketData {
  user: User;
  /** The client's address: the TCP peer, or what a trusted reverse proxy says it saw. */
  address: string;
}

/**
 * A change of the online list: its event, and whom it is about. Each process numbers the changes it passes
 * on to its sockets (see PresenceLog), so the version goes on as it is sent, not here.
 */
export type PresenceDelta = [event: PresenceChange, user: UserSummary];

/** What the processes of a cluster tell each other (serverSideEmit), beside the adapter's broadcasts. */
export interface InterServerEvents {
  /** A round of presence changes made on the sending process, for every process to pass on to its sockets. */
  "presence:round": (deltas: PresenceDelta[]) => void;
}

export type ChatIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
