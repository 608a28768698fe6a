import { type ConnectErrorData, ErrorCode, type HandshakeAuth } from "@chat/shared";
import type { ChatSocket } from "./socket";

/** By then the server has freed the name by itself (PRESENCE_GRACE_MS, 60 s by default). */
const GIVE_UP_MS = 60_000;

/** How long a refusal that names no wait (too many connections from this address) holds the next try. */
const RETRY_MS = 2_000;

/**
 * Ends a session on a connection of its own: it offers the token with `logout: true` once the server can
 * be reached, and the server ends the session in the handshake, closes the identity's other sockets and
 * refuses this one, so the user is never listed again on the way out. The tab's own socket is closed at
 * once instead: whatever reaches it after the user logged out (a private message, a page of history)
 * would otherwise land in the stores the next person to log in on this tab sees. Without a connection
 * that retries, a logout made offline would leave the user listed and the name taken for the whole grace
 * window, even to the same person joining again. Resolves once it is over, either way.
 */
export function logOutWhenReachable(socket: ChatSocket, token: string): Promise<void> {
  return new Promise<void>((resolve) => {
    let nextAttempt: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      clearTimeout(giveUp);
      clearTimeout(nextAttempt);
      socket.disconnect();
      resolve();
    };
    const giveUp = setTimeout(stop, GIVE_UP_MS);
    socket.auth = { token, logout: true } satisfies HandshakeAuth;
    socket.on("connect_error", (err: Error & { data?: ConnectErrorData }) => {
      // Unreachable: socket.io tries again by itself.
      if (socket.active) return;
      // SESSION_EXPIRED: the session has ended, by this logout or before it. Any other refusal (too many
      // handshakes or connections from this address, the server's storage briefly away) means it has not
      // ended yet: the logout goes again, after the wait the server names, if it names one.
      if (err.data?.code === ErrorCode.SESSION_EXPIRED) stop();
      else nextAttempt = setTimeout(() => socket.connect(), err.data?.retryAfterMs ?? RETRY_MS);
    });
    socket.connect();
  });
}
