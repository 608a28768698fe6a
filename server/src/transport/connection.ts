import { CLIENT_EVENTS, type ClientToServerEvents, SERVER_EVENTS } from "@chat/shared";
import type { Presence } from "../presence/presence.js";
import type { PresenceRounds } from "../presence/presence-rounds.js";
import type { Sessions } from "../sessions/sessions.js";
import { userRoom } from "../users.js";
import { aboutSocket } from "./acks.js";
import { logFailure } from "./failures.js";
import { type ProvenSession, takeGreeting } from "./handshake.js";
import { disconnectIdentity } from "./io.js";
import { type MessageHandlerDeps, messageHandlers } from "./message-handlers.js";
import { requestGate } from "./request-gate.js";
import type { ChatIo, ChatSocket } from "./types.js";

export interface ConnectionDeps extends MessageHandlerDeps {
  io: ChatIo;
  sessions: Sessions;
  presence: Presence;
  presenceRounds: PresenceRounds;
}

/** A socket that passed the handshake: register its handlers, count it in, and greet it. */
export function onConnection(deps: ConnectionDeps) {
  const { io, sessions, presence, presenceRounds, metrics, log } = deps;
  // Listeners shared by every socket (Socket.IO calls them with the socket as `this`).
  const handlers = Object.entries(messageHandlers(deps));
  const knownEvents = new Set<unknown>([CLIENT_EVENTS.logout, ...handlers.map(([event]) => event)]);
  const countDelivery = (event: string) => {
    if (event === SERVER_EVENTS.message) metrics.messageDelivered();
  };
  function onDisconnect(this: ChatSocket, reason: string): void {
    const { user } = this.data;
    log.info({ ...aboutSocket(this), reason }, "disconnected");
    runLogged(this, "disconnect", () => presence.disconnected(user, this.id));
  }

  return (socket: ChatSocket): void => {
    const { user } = socket.data;
    // The address admit() worked out for the per-address limits, so the log names the client they counted.
    log.info(
      { ...aboutSocket(socket), address: socket.data.address, recovered: socket.recovered },
      "connected",
    );
    // Handlers first and synchronously, so nothing the client sends right after connecting is missed.
    for (const [event, handler] of handlers) socket.on(event as keyof ClientToServerEvents, handler);
    socket.use(requestGate(socket, { knownEvents, refusals: deps.refusals, logout }));
    socket.on("disconnect", onDisconnect);
    socket.onAnyOutgoing(countDelivery);
    // A recovered socket comes back in the rooms it had before; it keeps none of them. Its user's room is
    // joined again below, for the session it proved, and the presence room at its greeting, with its list:
    // kept, it would be sent deltas before the list.
    for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
    socket.join(userRoom(user.id));
    const greeting = takeGreeting(socket);
    // The handshake leaves one for every socket it lets in. Without it there is no token to send, and a
    // `session` without one is not the protocol's: the client connects again instead.
    if (!greeting) return void socket.conn.close();
    // With recovery on, a socket's own emit is a broadcast to its room through the adapter (to keep it for
    // replay); sent locally, the token stays in this process whatever the adapter is.
    io.local
      .to(socket.id)
      .emit(SERVER_EVENTS.session, { name: user.name, id: user.id, token: greeting.token });
    // Not counted in, the socket would never get the online list: the client reconnects and tries again.
    runLogged(
      socket,
      "connect",
      () => countIn(socket, greeting),
      () => socket.conn.close(),
    );
  };

  /** `listVersion`: the version of the online list the client holds, if it sent one. */
  async function countIn(socket: ChatSocket, { token, listVersion }: ProvenSession): Promise<void> {
    const { user } = socket.data;
    if (!(await presence.connected(user, socket.id))) {
      // Logged out between this socket's handshake and now (from another tab, on another process): the
      // logout's disconnect did not find this socket in the user's room yet, so it goes now. Or let go as
      // a grace window ended in that moment: the client comes back, and its token lists the user again.
      if (await sessions.ended(token)) socket.disconnect(true);
      else socket.conn.close();
      return;
    }
    // The socket may have gone while we awaited; its disconnect handler then ran before we counted it in.
    if (!socket.connected) return presence.disconnected(user, socket.id);
    // The list (or what changed in it since the client's version), then deltas, never before it.
    // (Recovery keeps neither: a recovered socket is greeted afresh; see RecoveryAdapter.)
    presenceRounds.greet(socket, listVersion);
  }

  function logout(socket: ChatSocket): void {
    const { user } = socket.data;
    runLogged(
      socket,
      CLIENT_EVENTS.logout,
      async () => {
        await sessions.logout(user);
        disconnectIdentity(io, user);
      },
      // Not logged out (the store is away), and refusing all it sends: the connection goes, and the
      // session with it once its grace window ends, unless the client comes back to log out again.
      () => socket.conn.close(),
    );
  }

  /** Runs async work from an event listener: a failure is logged (see logFailure), never an unhandled rejection. */
  function runLogged(
    socket: ChatSocket,
    what: string,
    work: () => Promise<unknown>,
    onFailure?: () => void,
  ): void {
    work().catch((error: unknown) => {
      logFailure(deps, error, { ...aboutSocket(socket), what }, "socket listener failed");
      onFailure?.();
    });
  }
}
