import { ErrorCode, type ProtocolError } from "@chat/shared";
import type { Logger } from "pino";
import { DeadlinePassed } from "./deadlines.js";

/** How long a client is told to wait before trying again while the store cannot be reached. */
const UNREACHABLE_RETRY_MS = 1_000;

export interface FailureContext {
  log: Logger;
  /** Storage.unreachable: whether a store error means "not now" rather than a fault. */
  unreachable: (error: unknown) => boolean;
}

/**
 * The log line a failure leaves. A store that cannot be reached, or did not answer within the deadline,
 * is expected while it is away: each failure leaves a debug line only (the outage is reported once: by
 * the store's client per reconnect attempt, by Deadlines per expired cohort). Anything else is a fault
 * of the server, logged as an error. Resolves to whether the store was away.
 */
export function logFailure(
  { log, unreachable }: FailureContext,
  error: unknown,
  about: Record<string, unknown>,
  faultMessage: string,
): boolean {
  const away = error instanceof DeadlinePassed || unreachable(error);
  if (away) log.debug({ ...about, err: error }, "store unreachable");
  else log.error({ ...about, err: error }, faultMessage);
  return away;
}

/** What a client is told about a request that failed inside the server: while the store is away, when to try again. */
export function internalError(
  context: FailureContext,
  error: unknown,
  about: Record<string, unknown>,
  faultMessage: string,
): ProtocolError {
  if (logFailure(context, error, about, "request failed")) {
    return {
      code: ErrorCode.INTERNAL,
      message: "The chat's storage is briefly unavailable. Trying again shortly.",
      retryAfterMs: UNREACHABLE_RETRY_MS,
    };
  }
  return { code: ErrorCode.INTERNAL, message: faultMessage };
}
