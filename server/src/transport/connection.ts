import type { ClientToServerEvents } from "@chat/shared";
import type { Logger } from "pino";
import type { Presence } from "../presence/presence.js";
import type { Sessions } from "../sessions/sessions.js";
import { userRoom } from "../users.js";
import { type MessageHandlerDeps, registerMessageHandlers } from "./message-handlers.js";
import { PRESENCE_ROOM, type PresenceRounds } from "./presence-rounds.js";
import type { ChatIo, ChatSocket } from "./types.js";

export interface ConnectionDeps extends MessageHandlerDeps {
  io: ChatIo;
  sessions: Sessions;
  presence: Presence;
  presenceRounds: PresenceRounds;
}

const LOGOUT = "logout" satisfies keyof ClientToServerEvents;

/** A socket that passed the handshake: register its handlers, count it in, and greet it. */
export function onConnection(deps: ConnectionDeps) {
  const { io, sessions, presence, presenceRounds, metrics } = deps;
  // One listener for every socket: it runs once per socket of each broadcast.
  const countDelivery = (event: string) => {
    if (event === "message") metrics.messageDelivered();
  };
  return (socket: ChatSocket): void => {
    const { user } = socket.data;
    // Every line about this socket says which socket and identity it is about (never the name or token).
    const log = deps.log.child({ socket: socket.id, user: user.id });
    log.info({ recovered: socket.recovered }, "connected");
    // Handlers first and synchronously, so nothing the client sends right after connecting is missed.
    registerMessageHandlers(socket, { ...deps, log });
    // Taken as its packet arrives, not as an event: Socket.IO dispatches events a tick later and drops
    // those of a socket that disconnected meanwhile, and a client may disconnect right after asking.
    socket.use(([event], next) => {
      if (event === LOGOUT)
        settle(log, "logout", async () => {
          await sessions.logout(user);
          io.in(userRoom(user.id)).disconnectSockets(true);
        });
      next();
    });
    socket.on("disconnect", (reason) => {
      log.info({ reason }, "disconnected");
      settle(log, "disconnect", () => presence.disconnected(user, socket.id));
    });
    socket.onAnyOutgoing(countDelivery);
    // A recovered socket comes back in the rooms it had before; it keeps only those of the session it proved.
    for (const room of socket.rooms) if (room !== socket.id && room !== PRESENCE_ROOM) socket.leave(room);
    socket.join(userRoom(user.id));
    socket.emit("session", { name: user.name, token: socket.data.token });
    settle(log, "connect", () => countInAndList(socket));
  };

  async function countInAndList(socket: ChatSocket): Promise<void> {
    const { user } = socket.data;
    await presence.connected(user, socket.id);
    // The socket may have gone while we awaited; its disconnect handler then ran before we counted it in.
    if (!socket.connected) return presence.disconnected(user, socket.id);
    // The full list, then deltas, never before it. (Recovery does not keep the list: a recovered socket
    // is greeted afresh; see RecoveryAdapter.)
    presenceRounds.greet(socket);
  }
}

/** Runs async work from an event listener: a failure is logged, never an unhandled rejection. */
function settle(log: Logger, what: string, work: () => Promise<unknown>): void {
  work().catch((error: unknown) => log.error({ err: error, what }, "socket listener failed"));
}
