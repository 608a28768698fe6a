import { type ClientToServerEvents, ErrorCode, type ProtocolError, type Result } from "@chat/shared";
import type { LoadShedding } from "../limits/load-shedding.js";
import type { OneAtATime } from "../limits/one-at-a-time.js";
import { rateLimited } from "../limits/rate-limited.js";
import type { RefusalCut } from "../limits/refusal-cut.js";
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
  shedding: LoadShedding;
  refusals: RefusalCut;
}

/**
 * A listener shared by every socket: Socket.IO calls it with the socket as `this`. One function per event
 * for the whole server, not a closure per connection, since idle connections are what a chat holds most.
 */
export type SharedListener = (this: ChatSocket, ...args: unknown[]) => void;

/** Spends `cost` points (1 when not given) of a socket's rate limit: null when spent, else the refusal. */
export type Budget = (socket: ChatSocket, cost?: number) => Promise<ProtocolError | null>;

/** How a kind of request is limited. */
export interface RequestLimits<R extends Result<object>> {
  /** Spent before any work: over it, the answer is RATE_LIMITED and nothing is done. */
  budget: Budget;
  /** What a large answer costs beyond the request, spent before it is sent. */
  extraCost?: (answer: Extract<R, { ok: true }>) => number;
  /**
   * Requests that run one at a time per key, each spending its budget when its turn comes: many sent at
   * once cannot all start their work before the first answer's cost is known.
   */
  queue?: { runs: OneAtATime; key: (socket: ChatSocket) => string };
}

/** What every log line about a socket carries: which socket and identity (never the name or token). */
export function aboutSocket(socket: ChatSocket): { socket: string; user: string } {
  return { socket: socket.id, user: socket.data.user.id };
}

const refused = (error: ProtocolError): Result<object> => ({ ok: false, error });

/**
 * Wraps a handler of an acknowledged event so nothing a client sends can throw out of it: the payload
 * arrives as `unknown` for the handler to validate, a missing ack callback means nobody to answer (the
 * event is ignored, and counted against its connection by requestGate), and a failure is answered with
 * INTERNAL (see internalError). The work is limited as
 * `limits` says (see limitedWork). A request the stores leave unanswered past its deadline is answered
 * INTERNAL with retryAfterMs; its work may still complete later, which a resend with the same clientId
 * (or a read asked again) tolerates. Before all that, a process holding more requests than it finishes
 * in time refuses the request as busy (see LoadShedding). Refusals by the client's own limits are counted
 * against its connection (see RefusalCut); busy ones are not.
 */
export function acknowledged<R extends Result<object>>(
  context: AckContext,
  event: keyof ClientToServerEvents,
  limits: RequestLimits<R>,
  handle: (socket: ChatSocket, payload: unknown) => Promise<R>,
): SharedListener {
  const { queue } = limits;
  const { shedding } = context;
  return function listener(...args) {
    const ack = args.at(-1);
    if (typeof ack !== "function") return;
    const busy = shedding.admit();
    if (busy) {
      answer(context, this, event, ack as Ack, refused(busy));
      return;
    }
    const payload = args.length > 1 ? args[0] : undefined;
    const work = () => limitedWork(this, payload, handle, limits);
    const started = queue ? queue.runs.run(queue.key(this), work) : work();
    if (started) shedding.follow(started, (result) => (result.ok ? null : result.error));
    else shedding.finished(false);
    context.deadlines.within(started ?? Promise.resolve(refused(rateLimited(TOO_MANY_AT_ONCE)))).then(
      (result) => {
        if (!result.ok && result.error.code === ErrorCode.RATE_LIMITED) context.refusals.refused(this.id);
        answer(context, this, event, ack as Ack, result);
      },
      (error: unknown) => {
        const failed = internalError(context, error, { ...aboutSocket(this), event }, FAULT);
        answer(context, this, event, ack as Ack, refused(failed));
      },
    );
  };
}

/**
 * Spends the budget, then does the work, then spends what a large answer costs beyond it: when that is
 * over the limit, RATE_LIMITED goes instead of the answer. A refused send is never stored.
 */
async function limitedWork<R extends Result<object>>(
  socket: ChatSocket,
  payload: unknown,
  handle: (socket: ChatSocket, payload: unknown) => Promise<R>,
  { budget, extraCost }: RequestLimits<R>,
): Promise<Result<object>> {
  const limited = await budget(socket);
  if (limited) return refused(limited);
  const result = await handle(socket, payload);
  const extra = result.ok && extraCost ? extraCost(result as Extract<R, { ok: true }>) : 0;
  const overdrawn = extra > 0 ? await budget(socket, extra) : null;
  return overdrawn ? refused(overdrawn) : result;
}

/** Sends the answer, counted by result for /metrics. */
function answer(
  { log, metrics }: AckContext,
  socket: ChatSocket,
  event: keyof ClientToServerEvents,
  ack: Ack,
  result: Result<object>,
): void {
  metrics.answered(event, result);
  // Checked first, so a request's answer builds no log fields while debug logging is off.
  if (log.isLevelEnabled("debug")) {
    log.debug({ ...aboutSocket(socket), event, result: result.ok ? "ok" : result.error.code }, "answered");
  }
  ack(result);
}
