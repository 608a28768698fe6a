import type { ProtocolError } from "@chat/shared";
import type { ExtendedError } from "socket.io";
import type { ConnectionLimits } from "../limits/connection-limits.js";
import type { RequestParsers } from "../limits/content-limits.js";
import type { Sessions } from "../sessions/sessions.js";
import { clientAddress } from "./client-address.js";
import { type FailureContext, internalError } from "./failures.js";
import { releaseMissedPackets } from "./recovery-adapter.js";
import type { ChatSocket } from "./types.js";

/**
 * Each socket's token, from the handshake that proved or issued it until the greeting sends it. Not in
 * socket.data (see SocketData): the server keeps tokens only as hashes.
 */
const greetingTokens = new WeakMap<ChatSocket, string>();

/** The token for this socket's greeting, once. */
export function takeGreetingToken(socket: ChatSocket): string | undefined {
  const token = greetingTokens.get(socket);
  greetingTokens.delete(socket);
  return token;
}

type Middleware = (socket: ChatSocket, next: (err?: ExtendedError) => void) => Promise<void>;

/** Socket.IO delivers this to the client's `connect_error`: `err.message` is the code, `err.data` explains. */
function refusal(error: ProtocolError): ExtendedError {
  const err: ExtendedError = new Error(error.code);
  err.data = error;
  return err;
}

/** Runs a handshake step; whatever it throws refuses the connection with INTERNAL, never crashes. */
function step(
  failures: FailureContext,
  what: string,
  work: (socket: ChatSocket) => Promise<ProtocolError | null>,
): Middleware {
  return async (socket, next) => {
    try {
      const refused = await work(socket);
      next(refused ? refusal(refused) : undefined);
    } catch (error) {
      const about = { socket: socket.id, step: what };
      next(refusal(internalError(failures, error, about, "The server could not log you in. Try again.")));
    }
  };
}

/** First: per-address connection and handshake limits, before any work is done for the handshake. */
export function admit(
  limits: ConnectionLimits,
  trustProxyHops: number,
  failures: FailureContext,
): Middleware {
  return step(failures, "admit", (socket) => {
    socket.data.address = clientAddress(socket.request, trustProxyHops);
    return limits.admit(socket.data.address, socket.conn);
  });
}

/**
 * Every handshake, recovered ones included, logs in (`auth: { name }`) or resumes (`auth: { token }`),
 * so an ended session can never come back through connection state recovery.
 */
export function authenticate(
  sessions: Sessions,
  parsers: RequestParsers,
  failures: FailureContext,
): Middleware {
  return step(failures, "authenticate", async (socket) => {
    const auth = parsers.auth(socket.handshake.auth);
    const session = !auth.ok
      ? auth
      : "token" in auth.value
        ? await sessions.resume(auth.value.token)
        : await sessions.login(auth.value.name);
    if (!session.ok) return session.error;
    releaseMissedPackets(socket, session.value.user);
    socket.data.user = session.value.user;
    greetingTokens.set(socket, session.value.token);
    return null;
  });
}
