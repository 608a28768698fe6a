/** Every error a client can see, as `error.code` in an ack or as `err.message` of `connect_error`. */
export const ErrorCode = {
  /** Login name empty, too long, or with control / invisible characters. */
  NAME_INVALID: "NAME_INVALID",
  /** Another online (or briefly disconnected) user holds this name, compared case-insensitively. */
  NAME_TAKEN: "NAME_TAKEN",
  /** The resume token is unknown, was logged out, or its name was taken by someone else meanwhile. */
  SESSION_EXPIRED: "SESSION_EXPIRED",
  /** Message text not a string, blank, too long, or not well-formed Unicode. */
  TEXT_INVALID: "TEXT_INVALID",
  /** Nobody with that name has ever been online (or the name is your own). */
  NO_SUCH_USER: "NO_SUCH_USER",
  /** That user has left for good; private messages to them are refused. */
  USER_OFFLINE: "USER_OFFLINE",
  /** The payload does not have the documented shape. */
  BAD_REQUEST: "BAD_REQUEST",
  /** Over a rate or connection limit; nothing was done. Try again after `retryAfterMs`. */
  RATE_LIMITED: "RATE_LIMITED",
  /**
   * The server failed; the request had no effect and may be retried. With `retryAfterMs`: its store
   * cannot be reached right now (a passing outage), so retrying after that wait is expected to work.
   */
  INTERNAL: "INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** With RATE_LIMITED, or INTERNAL for a passing outage: how long to wait before trying again. */
  retryAfterMs?: number;
}

/**
 * Whether the same request is expected to succeed later by itself: it was over a limit, or the server
 * named a wait (its store was briefly unreachable). Wait `retryAfterMs` (when given), then ask again.
 */
export function worthRetrying(error: ProtocolError): boolean {
  return error.code === ErrorCode.RATE_LIMITED || error.retryAfterMs !== undefined;
}

/** The one shape of every acknowledgement: success fields beside `ok: true`, or an error. */
export type Result<T extends object> = ({ ok: true } & T) | { ok: false; error: ProtocolError };

export function failure(code: ErrorCode, message: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: { code, message } };
}

/** What SESSION_EXPIRED says when a token is unknown, ended or malformed: its holder can only log in again. */
export const SESSION_ENDED = "This session has ended. Please log in again.";

/** Socket.IO hands `connect_error` an Error whose `message` is our code and whose `data` explains it. */
export type ConnectErrorData = ProtocolError;
