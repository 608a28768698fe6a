import { ErrorCode, type ProtocolError } from "@chat/shared";
import type { Logger } from "pino";
import { DeadlinePassed } from "./deadlines.js";

/** How long a client is told to wait before trying again while the store cannot be reached. */
export const UNREACHABLE_RETRY_MS = 1_000;

export interface FailureContext {
  log: Logger;
  /** Storage.unreachable: whether a store error means "not now" rather than a fault. */
  unreachable: (error: unknown) => boolean;
}

/**
 * What a client is told about a request that failed inside the server, and the log line it leaves. A
 * store that cannot be reached, or did not answer within the deadline, is expected while it is away: the
 * client is told to try again shortly, and each request leaves a debug line only (the outage is reported
 * once: by the store's client per reconnect attempt, by Deadlines per expired cohort). Anything else is
 * a fault of the server, logged as an error.
 */
export function internalError(
  { log, unreachable }: FailureContext,
  error: unknown,
  about: Record<string, unknown>,
  faultMessage: string,
): ProtocolError {
  if (error instanceof DeadlinePassed || unreachable(error)) {
    log.debug({ ...about, err: error }, "store unreachable");
    return {
      code: ErrorCode.INTERNAL,
      message: "The chat's storage is briefly unavailable. Trying again shortly.",
      retryAfterMs: UNREACHABLE_RETRY_MS,
    };
  }
  log.error({ ...about, err: error }, "request failed");
  return { code: ErrorCode.INTERNAL, message: faultMessage };
}
