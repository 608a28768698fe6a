import { CLIENT_EVENTS, ErrorCode, failure, type Result } from "@chat/shared";
import type { RefusalCut } from "../limits/refusal-cut.js";
import type { ChatSocket } from "./types.js";

export interface RequestGateDeps {
  /** Every event a client may send: the requests and `logout`. */
  knownEvents: ReadonlySet<unknown>;
  refusals: Pick<RefusalCut, "refused">;
  /** Ends the socket's identity: `logout` has no handler of its own, it is carried out here. */
  logout(socket: ChatSocket): void;
}

/**
 * What a socket's packets pass before its handlers (message-handlers.ts). Taken as each packet arrives, not
 * as an event: Socket.IO dispatches events a tick later and drops those of a socket that disconnected
 * meanwhile, and a client may disconnect right after asking to log out.
 * - `logout` is carried out, and nothing the socket sends after it is: until the logout's disconnect, a
 *   request would still be carried out for an identity that has ended, a private message stored and
 *   delivered, its sender told nothing.
 * - A request without an ack is dropped: nobody would learn its result. Dropped before any limit sees it,
 *   a flood of them would cost the server their parsing for as long as it lasted, so each counts as a
 *   refusal, and enough of them cut the connection.
 * - An unknown event is answered BAD_REQUEST, so a misspelt one fails fast instead of leaving the client
 *   waiting for an ack. It counts as a refusal too: no limit of a request's own holds for it.
 */
export function requestGate(
  socket: ChatSocket,
  { knownEvents, refusals, logout }: RequestGateDeps,
): Parameters<ChatSocket["use"]>[0] {
  let loggedOut = false;
  return ([event, ...args], next) => {
    const ack = args.at(-1);
    if (loggedOut) return refuseAfterLogout(ack);
    if (event === CLIENT_EVENTS.logout) {
      loggedOut = true;
      logout(socket);
    } else if (typeof ack !== "function") return refusals.refused(socket.id);
    else if (!knownEvents.has(event)) return refuseUnknown(event, ack);
    next();
  };

  function refuseAfterLogout(ack: unknown): void {
    if (typeof ack === "function") ack(failure(ErrorCode.SESSION_EXPIRED, "This connection has logged out."));
  }

  function refuseUnknown(event: unknown, ack: (answer: Result<never>) => void): void {
    refusals.refused(socket.id);
    const name = JSON.stringify(String(event).slice(0, 64));
    ack(failure(ErrorCode.BAD_REQUEST, `This server has no event ${name}.`));
  }
}
