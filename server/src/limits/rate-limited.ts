import { ErrorCode, type ProtocolError } from "@chat/shared";
import { RateLimiterRes } from "rate-limiter-flexible";

/**
 * Which limit refused (or, for `unread` and `refusals`, cut a connection; `busy`: the process was
 * overloaded, see LoadShedding): the label of the counter in /metrics.
 */
export type LimitName =
  | "messages"
  | "reads"
  | "typing"
  | "connections"
  | "handshakes"
  | "unread"
  | "refusals"
  | "busy";

/** Told of every refusal, for metrics and logs. */
export type OnLimited = (limit: LimitName, key: string) => void;

export function rateLimited(message: string, retryAfterMs?: number): ProtocolError {
  const wait = retryAfterMs === undefined ? "" : ` Try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
  return { code: ErrorCode.RATE_LIMITED, message: `${message}${wait}`, retryAfterMs };
}

/** What spend() takes from: any rate-limiter-flexible limiter, bursty or not. */
interface Limiter {
  consume(key: string, points?: number): Promise<unknown>;
}

/**
 * Spends `cost` points of `key`'s budget: null when they were there, else the refusal, with the wait the
 * limiter names, and onLimited told. A failure of the limiter's store is thrown, not taken for a refusal.
 */
export async function spend(
  limiter: Limiter,
  key: string,
  cost: number,
  refusal: { limit: LimitName; message: string; onLimited: OnLimited },
): Promise<ProtocolError | null> {
  try {
    await limiter.consume(key, cost);
    return null;
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    refusal.onLimited(refusal.limit, key);
    return rateLimited(refusal.message, rejection.msBeforeNext);
  }
}
