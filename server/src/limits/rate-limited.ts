import { ErrorCode, type ProtocolError } from "@chat/shared";

/** Which limit refused (or, for `unread`, cut a connection): the label of the counter in /metrics. */
export type LimitName = "messages" | "reads" | "connections" | "handshakes" | "unread";

/** Told of every refusal, for metrics and logs. */
export type OnLimited = (limit: LimitName, key: string) => void;

export function rateLimited(message: string, retryAfterMs?: number): ProtocolError {
  const wait = retryAfterMs === undefined ? "" : ` Try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
  return { code: ErrorCode.RATE_LIMITED, message: `${message}${wait}`, retryAfterMs };
}
