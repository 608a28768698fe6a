import type { ClientToServerEvents, ProtocolError, Result } from "@chat/shared";
import type { OneAtATime } from "../limits/one-at-a-time.js";
import { rateLimited } from "../limits/rate-limited.js";
import type { ChatMetrics } from "../observability/metrics.js";
import type { Deadlines } from "./deadlines.js";
import { type FailureContext, internalError } from "./failures.js";
import type { ChatSocket } from "./types.js";

type Ack = (result: Result<object>) => void;

const FAULT = "The server failed to handle this request.";

/** The refusal of a request beyond those a queue holds. */
const TOO_MANY_AT_ONCE = "Too many requests at once. Wait for the answers.";

export interface AckContext extends FailureContext {
  metrics: ChatMetrics;
  deadlines: Deadlines;
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
 * event is ignored), and a failure is answered with INTERNAL (see internalError). Before any work the request
 * spends its rate limit: over it, the answer is RATE_LIMITED and nothing is done, so a refused send is
 * never stored. A large answer costs more of the limit (`extraCost`), spent before it is sent: when that
 * is over the limit, RATE_LIMITED goes instead of the answer. Requests given a `queue` run one at a
 * time per key, each spending its limit when its turn comes: many sent at once cannot all start their
 * work before the first answer's cost is known. A request the stores leave unanswered past its deadline
 * is answered INTERNAL with retryAfterMs; its work may still complete later, which a resend with the
 * same clientId (or a read asked again) tolerates. Every answer is counted by result for /metrics.
 */
export function acknowledged<R extends Result<object>>(
  context: AckContext,
  event: keyof ClientToServerEvents,
  throttle: (socket: ChatSocket, cost?: number) => Promise<ProtocolError | null>,
  handle: (socket: ChatSocket, payload: unknown) => Promise<R>,
  {
    extraCost = () => 0,
    queue,
  }: {
    extraCost?: (answer: Extract<R, { ok: true }>) => number;
    queue?: { runs: OneAtATime; key: (socket: ChatSocket) => string };
  } = {},
): SharedListener {
  const { log, metrics, deadlines } = context;
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
    const work = () =>
      throttle(this).then((limited): Promise<Result<object>> | Result<object> =>
        limited ? { ok: false, error: limited } : handle(this, payload).then(charged),
      );
    const started = queue ? queue.runs.run(queue.key(this), work) : work();
    deadlines
      .within(started ?? Promise.resolve({ ok: false, error: rateLimited(TOO_MANY_AT_ONCE) }))
      .then(answer, (error: unknown) => {
        const failed = internalError(context, error, { ...aboutSocket(this), event }, FAULT);
        answer({ ok: false, error: failed });
      });
  };
}
