import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { Delivery } from "../messages/messages.js";
import type { PresenceAnnouncer } from "../presence/presence.js";
import { userRoom } from "../users.js";
import { coalesceWrites } from "./coalesce-writes.js";
import { RecoveryAdapter } from "./recovery-adapter.js";
import type { ChatIo } from "./types.js";

export interface IoOptions {
  /** How long a dropped socket can come back with its missed packets replayed. */
  recoveryWindowMs: number;
  maxHttpBufferSize: number;
}

export function createIo(http: HttpServer, options: IoOptions): ChatIo {
  const io: ChatIo = new Server(http, {
    // Chat frames are small; the 1 MB default lets one client make the server buffer a lot (pitfall 11).
    maxHttpBufferSize: options.maxHttpBufferSize,
    // The middleware runs on recovery too: an ended session must not come back by replaying its socket.
    connectionStateRecovery: { maxDisconnectionDuration: options.recoveryWindowMs, skipMiddlewares: false },
    adapter: RecoveryAdapter,
    serveClient: false,
    // Engine.IO's default already, said out loud: deflating chat-sized frames costs CPU per socket and
    // saves little, and only uncompressed broadcasts reuse one pre-built frame for every socket.
    perMessageDeflate: false,
  });
  coalesceWrites(io);
  return io;
}

/** The sockets that have received the full online list and so follow it by deltas. */
export const PRESENCE_ROOM = "presence";

/** Presence changes go to every socket that has the list, as one small delta, never the full list again. */
export function presenceAnnouncer(io: ChatIo): PresenceAnnouncer {
  return {
    joined: ({ name }) => io.to(PRESENCE_ROOM).emit("user:joined", { name }),
    left: ({ name }) => io.to(PRESENCE_ROOM).emit("user:left", { name }),
  };
}

export function messageDelivery(io: ChatIo): Delivery {
  return {
    toEveryone: (message, exceptSocketId) => io.except(exceptSocketId).emit("message", message),
    toUsers: (users, message, exceptSocketId) =>
      io
        .to(users.map((user) => userRoom(user.id)))
        .except(exceptSocketId)
        .emit("message", message),
  };
}
