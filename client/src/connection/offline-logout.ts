import type { ChatSocket } from "./socket";

/** By then the server has freed the name by itself (PRESENCE_GRACE_MS, 60 s by default). */
const GIVE_UP_MS = 60_000;

/**
 * Ends the session of a tab that logged out while offline: this connection of its own resumes the token
 * once the server can be reached, says `logout` and is closed by the server. Without it, the user stays
 * listed and the name taken for the whole grace window, even to the same person joining again.
 * Resolves once it is over, either way.
 */
export function logOutWhenReachable(socket: ChatSocket, token: string): Promise<void> {
  let ended = () => {};
  const done = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const stop = () => {
    clearTimeout(giveUp);
    socket.disconnect();
    ended();
  };
  const giveUp = setTimeout(stop, GIVE_UP_MS);
  socket.auth = { token };
  socket.on("connect", () => socket.emit("logout"));
  // The server closes it once the session has ended; any other drop is retried by socket.io.
  socket.on("disconnect", (reason) => reason === "io server disconnect" && stop());
  // A refusal socket.io does not retry: the token no longer resumes anything, so there is nothing to end.
  socket.on("connect_error", () => socket.active || stop());
  socket.connect();
  return done;
}
