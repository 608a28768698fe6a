import type { DestinationStream } from "pino";
import { type Level, type Logger, pino } from "pino";

/**
 * Log lines carry ids (socket, user), never secrets or what people wrote. Redaction is the net under that
 * rule: a token (a login's `newToken` too), a handshake's `auth`, a cookie or a message text that reaches a
 * log call is censored, down to `{ socket: { handshake: { auth } } }` and below. pino matches each path at
 * its depth only, so every one is listed at every depth a call site could reach.
 */
const REDACTED_KEYS = ["token", "newToken", "auth", "text", "headers.cookie", "headers.authorization"];
const REDACTED_DEPTH = 4;
const REDACTED_PATHS = REDACTED_KEYS.flatMap((key) =>
  Array.from({ length: REDACTED_DEPTH + 1 }, (_, depth) => `${"*.".repeat(depth)}${key}`),
);

/** JSON lines on stdout (or `destination`). */
export function createLogger(level: Level | "silent", destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
