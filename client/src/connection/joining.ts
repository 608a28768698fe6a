import { type ConnectErrorData, ErrorCode, type HandshakeAuth, nameKey } from "@chat/shared";
import { useCatchUp } from "../stores/catch-up";
import { type PendingLogin, useSession } from "../stores/session";
import { loginToken } from "./login-token";
import type { ChatSocket } from "./socket";

/** Refusals of the name itself: the user is to type another. */
const NAME_REFUSALS = new Set<string>([ErrorCode.NAME_TAKEN, ErrorCode.NAME_INVALID]);

/**
 * How many times a login is tried again when its connection closes before the server's answer: enough for
 * an answer lost once (the retry resumes what the login made), not for a server that never answers.
 */
const JOIN_RETRIES = 3;
const CANNOT_REACH = "Cannot reach the server. Check your connection and try again.";

/**
 * A login by name, from Join until its session arrives: the token it goes with, and what a refusal, or a
 * connection closed before the answer, does to it. Whatever ends it sends the user back to the login view
 * with the reason, the token kept for their next try under the same name.
 */
export class Joining {
  private readonly session = useSession();
  /** Whether this login's token was kept from an earlier try: if it ended since, one fresh one is tried. */
  private tokenKept = false;
  /** How many times this login was tried again after its connection closed before the answer. */
  private retries = 0;

  /** `retryAfter`: the connection's timer for the next attempt after a wait, which a sign-out cancels. */
  constructor(
    private readonly socket: ChatSocket,
    private readonly retryAfter: (ms: number) => void,
  ) {}

  /** Sets the socket up to log in as `name`, for the caller to connect it. */
  begin(name: string): void {
    const { pendingLogin } = this.session;
    // Matched as the server matches names, so "ann" after "Ann" goes on with Ann's token: a new one would
    // find the name held by the session that token may have made.
    this.tokenKept = pendingLogin !== null && nameKey(pendingLogin.name) === nameKey(name);
    this.start(
      this.tokenKept && pendingLogin
        ? { name, newToken: pendingLogin.newToken }
        : { name, newToken: loginToken() },
    );
  }

  refused(err: Error & { data?: ConnectErrorData }): void {
    const { pendingLogin } = this.session;
    const retryAfterMs = err.data?.retryAfterMs;
    if (retryAfterMs !== undefined) {
      // Refused for now only (the server's storage briefly away, or too many logins at once): the login
      // goes again by itself after the wait the server names, and the reason shows meanwhile.
      this.session.tell(err.data?.message ?? null);
      this.retryAfter(retryAfterMs);
    } else if (err.message === ErrorCode.SESSION_EXPIRED && this.tokenKept && pendingLogin) {
      // The token of an earlier try, kept for this one, ended since: the user asked to join, not to resume
      // it, so the login goes again as a new one.
      this.tokenKept = false;
      this.start({ name: pendingLogin.name, newToken: loginToken() });
      this.socket.connect();
    } else this.failed(err.data?.message ?? CANNOT_REACH, NAME_REFUSALS.has(err.message));
  }

  /** The user stopped it: back to the login view, the token kept for a next try under the same name. */
  cancel(): void {
    this.failed(null);
  }

  /** The connection closed before the server's answer, and socket.io tries again: a few times only. */
  retrying(): void {
    if (++this.retries > JOIN_RETRIES) this.failed(CANNOT_REACH);
  }

  private start(login: PendingLogin): void {
    this.retries = 0;
    this.session.joining(login);
    // A new identity has read nothing of the chat yet: its first connection loads the recent history.
    useCatchUp().reset();
    // Until `session` arrives, a reconnect is this login again: with the same token, it resumes the session
    // the first attempt made, should that have got through.
    this.socket.auth = login satisfies HandshakeAuth;
  }

  private failed(reason: string | null, nameRefused = false): void {
    this.socket.disconnect();
    this.session.signedOut(reason, { nameRefused });
  }
}
