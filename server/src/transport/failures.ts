import { ErrorCode, type ProtocolError } from "@chat/shared";
import type { Logger } from "pino";
import { DeadlinePassed } from "./deadlines.js";

/** How long a client is told to wait before trying again while the store cannot be reached. */
const UNREACHABLE_RETRY_MS = 1_000;

/** A store failure that means "not now": the store refused (busy, locked, full, unreachable), or did not answer in time. */
export type PassingFailure = "unavailable" | "deadline";

export interface FailureContext {
  log: Logger;
  /** Storage.unreachable: whether a store error means "not now" rather than a fault. */
  unreachable: (error: unknown) => boolean;
  /** Told of every passing failure, to count it and warn of it without a line per failure. */
  storeFailed: (kind: PassingFailure, error: unknown, about: Record<string, unknown>) => void;
}

/**
 * The log lines a failure leaves. A store that cannot be reached, is busy or full, or did not answer
 * within the deadline fails requests for now: each failure leaves a debug line, and storeFailed is told,
 * so that it is seen at the default level too (a full disk says nothing else). Anything else is a fault
 * of the server, logged as an error. Resolves to whether the failure was passing.
 */
export function logFailure(
  { log, unreachable, storeFailed }: FailureContext,
  error: unknown,
  about: Record<string, unknown>,
  faultMessage: string,
): boolean {
  const kind = error instanceof DeadlinePassed ? "deadline" : unreachable(error) ? "unavailable" : null;
  if (!kind) {
    log.error({ ...about, err: error }, faultMessage);
    return false;
  }
  log.debug({ ...about, err: error }, "store unreachable");
  storeFailed(kind, error, about);
  return true;
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
