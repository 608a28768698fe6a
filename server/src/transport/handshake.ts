import { ErrorCode, type ProtocolError, parseHandshakeAuth } from "@chat/shared";
import type { Logger } from "pino";
import type { ExtendedError } from "socket.io";
import type { Sessions } from "../sessions/sessions.js";
import { clientAddress } from "./client-address.js";
import type { ChatSocket } from "./types.js";

/** Socket.IO delivers this to the client's `connect_error`: `err.message` is the code, `err.data` explains. */
function refusal(error: ProtocolError): ExtendedError {
  const err: ExtendedError = new Error(error.code);
  err.data = error;
  return err;
}

/**
 * Every handshake, recovered ones included, logs in (`auth: { name }`) or resumes (`auth: { token }`),
 * so an ended session can never come back through connection state recovery.
 */
export function authenticate(sessions: Sessions, log: Logger, trustProxyHops: number) {
  return async (socket: ChatSocket, next: (err?: ExtendedError) => void): Promise<void> => {
    try {
      const auth = parseHandshakeAuth(socket.handshake.auth);
      const session = !auth.ok
        ? auth
        : "token" in auth.value
          ? await sessions.resume(auth.value.token)
          : await sessions.login(auth.value.name);
      if (!session.ok) return next(refusal(session.error));
      socket.data.user = session.value.user;
      socket.data.token = session.value.token;
      socket.data.address = clientAddress(socket.handshake, trustProxyHops);
      next();
    } catch (error) {
      log.error({ err: error, socket: socket.id }, "handshake failed");
      next(refusal({ code: ErrorCode.INTERNAL, message: "The server could not log you in. Try again." }));
    }
  };
}
