import {
  ErrorCode,
  type PresenceVersion,
  type ProtocolError,
  type RequestParsers,
  SESSION_ENDED,
} from "@chat/shared";
import type { ExtendedError } from "socket.io";
import type { ConnectionLimits } from "../limits/connection-limits.js";
import type { LoadShedding } from "../limits/load-shedding.js";
import type { ChatMetrics } from "../observability/metrics.js";
import type { Sessions } from "../sessions/sessions.js";
import type { User } from "../users.js";
import { clientAddress } from "./client-address.js";
import { DeadlinePassed, type Deadlines } from "./deadlines.js";
import { type FailureContext, internalError } from "./failures.js";
import { releaseMissedPackets } from "./recovery-adapter.js";
import type { ChatSocket } from "./types.js";

/** What a socket's greeting needs from its handshake: the token, and the version of the list the client has. */
export interface ProvenSession {
  token: string;
  listVersion: PresenceVersion | null;
}

/**
 * Each socket's greeting, from the handshake that proved or issued its token until the greeting sends it.
 * Not in socket.data (see SocketData): the server keeps tokens only as hashes.
 */
const greetings = new WeakMap<ChatSocket, ProvenSession>();

/** Sockets whose handshake logged in with a token the server made: what a late one undoes. */
const loggedIn = new WeakSet<ChatSocket>();

/** This socket's greeting, once. */
export function takeGreeting(socket: ChatSocket): ProvenSession | undefined {
  const greeting = greetings.get(socket);
  greetings.delete(socket);
  return greeting;
}

type Middleware = (socket: ChatSocket, next: (err?: ExtendedError) => void) => Promise<void>;

/** Socket.IO delivers this to the client's `connect_error`: `err.message` is the code, `err.data` explains. */
function refusal(error: ProtocolError): ExtendedError {
  const err: ExtendedError = new Error(error.code);
  err.data = error;
  return err;
}

/** What a handshake step needs to fail well: a store that fails or stalls refuses, with advice. */
export interface HandshakeContext extends FailureContext {
  deadlines: Deadlines;
  shedding: LoadShedding;
  metrics: ChatMetrics;
}

/**
 * Runs a handshake step; whatever it throws refuses the connection with INTERNAL, never crashes, and a
 * step the stores leave unanswered past the deadline refuses it too: the client tries again later. Such
 * a step carries on, and should it then succeed, `undo` takes back what it did for the refused socket.
 * A process that holds more requests than it finishes in time refuses the step at once (see LoadShedding):
 * a reconnect storm after a restart is spread out instead of piling up.
 */
function step(
  context: HandshakeContext,
  what: string,
  work: (socket: ChatSocket) => Promise<ProtocolError | null>,
  undo?: (socket: ChatSocket) => Promise<void>,
): Middleware {
  return async (socket, next) => {
    // Counted, and at debug level logged: failed logins and token probing show nowhere else.
    const refuse = (error: ProtocolError) => {
      context.metrics.handshakeRefused(error.code);
      if (context.log.isLevelEnabled("debug")) {
        context.log.debug({ socket: socket.id, step: what, code: error.code }, "handshake refused");
      }
      next(refusal(error));
    };
    const busy = context.shedding.admit();
    if (busy) return refuse(busy);
    const working = work(socket);
    context.shedding.follow(working, (refused) => refused);
    try {
      const refused = await context.deadlines.within(working);
      if (refused) refuse(refused);
      else next();
    } catch (error) {
      const about = { socket: socket.id, step: what };
      if (error instanceof DeadlinePassed && undo) {
        working
          .then((refused) => (refused ? undefined : undo(socket)))
          .catch((late: unknown) => context.log.warn({ ...about, err: late }, "late handshake not undone"));
      }
      refuse(internalError(context, error, about, "The server could not log you in. Try again."));
    }
  };
}

/** First: per-address connection and handshake limits, before any work is done for the handshake. */
export function admit(
  limits: ConnectionLimits,
  trustProxyHops: number,
  context: HandshakeContext,
): Middleware {
  return step(context, "admit", (socket) => {
    socket.data.address = clientAddress(socket.request, trustProxyHops);
    return limits.admit(socket.data.address, socket.conn);
  });
}

/**
 * Every handshake, recovered ones included, logs in (`auth: { name, newToken? }`) or resumes (`auth: { token }`),
 * so an ended session can never come back through connection state recovery. `auth: { token, logout:
 * true }` ends the session instead and is refused: there is nothing left to connect to.
 */
export function authenticate(
  sessions: Sessions,
  parsers: RequestParsers,
  context: HandshakeContext,
  disconnectIdentity: (user: User) => void,
): Middleware {
  return step(
    context,
    "authenticate",
    async (socket) => {
      const auth = parsers.auth(socket.handshake.auth);
      if (!auth.ok) return auth.error;
      if ("token" in auth.value && auth.value.logout) {
        // Ended without ever being listed again: no user:joined, no moment in which a message to this
        // user is accepted. Its other tabs are closed as a `logout` would close them.
        const user = await sessions.logoutByToken(auth.value.token);
        if (user) disconnectIdentity(user);
        return { code: ErrorCode.SESSION_EXPIRED, message: SESSION_ENDED };
      }
      const session =
        "token" in auth.value
          ? await sessions.resume(auth.value.token)
          : await sessions.login(auth.value.name, auth.value.newToken);
      if (!session.ok) return session.error;
      releaseMissedPackets(socket, session.value.user);
      socket.data.user = session.value.user;
      const listVersion = "presence" in auth.value ? auth.value.presence : null;
      greetings.set(socket, { token: session.value.token, listVersion });
      if ("name" in auth.value && auth.value.newToken === null) loggedIn.add(socket);
      return null;
    },
    // A login refused for its slowness would otherwise hold its name, unused, for the grace window, and
    // the user's own retry would find it taken. A late resume needs nothing: its retry is the same user;
    // nor does a login with a token of the client's own, which its retry resumes.
    async (socket) => {
      if (loggedIn.has(socket)) await sessions.logout(socket.data.user);
    },
  );
}
