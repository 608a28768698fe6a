import { ErrorCode, failure, type Result } from "@chat/shared";
import type { Logger } from "pino";

type Ack = (result: Result<object>) => void;

/**
 * Wraps a handler of an acknowledged event so nothing a client sends can throw out of it: the payload
 * arrives as `unknown` for the handler to validate, a missing ack callback means nobody to answer (the
 * event is ignored), and an unexpected failure is answered with INTERNAL.
 */
export function acknowledged<R extends Result<object>>(
  log: Logger,
  event: string,
  handle: (payload: unknown) => Promise<R>,
): (...args: unknown[]) => void {
  return (...args) => {
    const ack = args.at(-1);
    if (typeof ack !== "function") return;
    const payload = args.length > 1 ? args[0] : undefined;
    handle(payload).then(ack as Ack, (error: unknown) => {
      log.error({ err: error, event }, "handler failed");
      (ack as Ack)(failure(ErrorCode.INTERNAL, "The server failed to handle this request."));
    });
  };
}
