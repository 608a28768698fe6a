import type { DestinationStream } from "pino";
import { type Level, type Logger, pino } from "pino";

/**
 * Log lines carry ids (socket, user), never secrets or what people wrote. Redaction is the net under that
 * rule: a token (a login's `newToken` too), a handshake's `auth`, a cookie or a message text that reaches a
 * log call is censored.
 */
const REDACTED_PATHS = [
  "token",
  "*.token",
  "newToken",
  "*.newToken",
  "auth",
  "*.auth",
  "text",
  "*.text",
  "headers.cookie",
  "*.headers.cookie",
  "headers.authorization",
  "*.headers.authorization",
];

/** JSON lines on stdout (or `destination`). */
export function createLogger(level: Level | "silent", destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
