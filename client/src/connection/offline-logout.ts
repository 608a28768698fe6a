import type { HandshakeAuth } from "@chat/shared";
import type { ChatSocket } from "./socket";

/** By then the server has freed the name by itself (PRESENCE_GRACE_MS, 60 s by default). */
const GIVE_UP_MS = 60_000;

/**
 * Ends the session of a tab that logged out while offline: this connection of its own offers the token
 * with `logout: true` once the server can be reached, and the server ends the session in the handshake
 * and refuses it, so the user is never listed again on the way out. Without it, the user stays listed
 * and the name taken for the whole grace window, even to the same person joining again. Resolves once
 * it is over, either way.
 */
export function logOutWhenReachable(socket: ChatSocket, token: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      clearTimeout(giveUp);
      socket.disconnect();
      resolve();
    };
    const giveUp = setTimeout(stop, GIVE_UP_MS);
    socket.auth = { token, logout: true } satisfies HandshakeAuth;
    // Unreachable: socket.io tries again by itself. A refusal it does not retry is the server's answer.
    socket.on("connect_error", () => socket.active || stop());
    socket.connect();
  });
}
