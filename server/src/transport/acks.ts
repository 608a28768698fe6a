import { ErrorCode, failure, type ProtocolError, type Result } from "@chat/shared";
import type { Logger } from "pino";
import type { ChatMetrics } from "../observability/metrics.js";
import type { ChatSocket } from "./types.js";

type Ack = (result: Result<object>) => void;

export interface AckContext {
  log: Logger;
  metrics: ChatMetrics;
}

/**
 * A listener shared by every socket: Socket.IO calls it with the socket as `this`. One function per event
 * for the whole server, not a closure per connection, since idle connections are what a chat holds most.
 */
export type SharedListener = (this: ChatSocket, ...args: unknown[]) => void;

/** What every log line about a socket carries: which socket and identity (never the name or token). */
export function aboutSocket(socket: ChatSocket): { socket: string; user: string } {
  return { socket: socket.id, user: socket.data.user.id };
}

/**
 * Wraps a handler of an acknowledged event so nothing a client sends can throw out of it: the payload
 * arrives as `unknown` for the handler to validate, a missing ack callback means nobody to answer (the
 * event is ignored), and an unexpected failure is answered with INTERNAL. Before any work the request
 * spends its rate limit: over it, the answer is RATE_LIMITED and nothing is done, so a refused send is
 * never stored. A large answer costs more of the limit (`extraCost`), spent before it is sent: when that
 * is over the limit, RATE_LIMITED goes instead of the answer. Every answer is counted by result for
 * /metrics.
 */
export function acknowledged<R extends Result<object>>(
  { log, metrics }: AckContext,
  event: string,
  throttle: (socket: ChatSocket, cost?: number) => Promise<ProtocolError | null>,
  handle: (socket: ChatSocket, payload: unknown) => Promise<R>,
  extraCost: (answer: Extract<R, { ok: true }>) => number = () => 0,
): SharedListener {
  return function listener(...args) {
    const ack = args.at(-1);
    if (typeof ack !== "function") return;
    const payload = args.length > 1 ? args[0] : undefined;
    const answer = (result: Result<object>) => {
      metrics.answered(event, result);
      // Checked first, so a request's answer builds no log fields while debug logging is off.
      if (log.isLevelEnabled("debug")) {
        log.debug({ ...aboutSocket(this), event, result: result.ok ? "ok" : result.error.code }, "answered");
      }
      (ack as Ack)(result);
    };
    const charged = async (result: R): Promise<Result<object>> => {
      const extra = result.ok ? extraCost(result as Extract<R, { ok: true }>) : 0;
      const limited = extra > 0 ? await throttle(this, extra) : null;
      return limited ? { ok: false, error: limited } : result;
    };
    throttle(this)
      .then((limited): Promise<Result<object>> | Result<object> =>
        limited ? { ok: false, error: limited } : handle(this, payload).then(charged),
      )
      .then(answer, (error: unknown) => {
        log.error({ ...aboutSocket(this), err: error, event }, "handler failed");
        answer(failure(ErrorCode.INTERNAL, "The server failed to handle this request."));
      });
  };
}
