import type { ProtocolError } from "@chat/shared";
import { BurstyRateLimiter } from "rate-limiter-flexible";
import type { LimiterBackend } from "./limiter-backend.js";
import { type LimitName, type OnLimited, spend } from "./rate-limited.js";
import { BURST_WINDOW_S, type Limits } from "./settings.js";

/**
 * Spends `cost` requests (one by default) of `key` (an identity); resolves to the refusal when that
 * takes it over its limit. What is spent stays spent, refused or not.
 */
export interface Throttle {
  (key: string, cost?: number): Promise<ProtocolError | null>;
  /**
   * The most one spend can take (Infinity when off): a request that costs more is refused for ever. Not
   * the rate and the burst added: a spend the rate's window refuses is taken whole from the burst's.
   */
  readonly capacity: number;
}

export interface ThrottleSpec {
  name: Extract<LimitName, "messages" | "reads" | "typing">;
  perSecond: number;
  burst: number;
  /** What the refusal says was too much, e.g. "Too many messages." */
  refusal: string;
}

/**
 * `perSecond` requests in every second, and when those are spent, up to `burst` more per burst window.
 * A store failure rejects (the request is answered INTERNAL): a limit must not silently stop holding.
 */
function createThrottle(backend: LimiterBackend, spec: ThrottleSpec, onLimited: OnLimited): Throttle {
  if (spec.perSecond === 0) return Object.assign(async () => null, { capacity: Number.POSITIVE_INFINITY });
  const sustained = backend({ name: spec.name, points: spec.perSecond, durationS: 1 });
  const limiter =
    spec.burst === 0
      ? sustained
      : new BurstyRateLimiter(
          sustained,
          backend({ name: `${spec.name}:burst`, points: spec.burst, durationS: BURST_WINDOW_S }),
        );
  const refusal = { limit: spec.name, message: spec.refusal, onLimited };
  const throttle = (key: string, cost = 1) => spend(limiter, key, cost, refusal);
  return Object.assign(throttle, { capacity: Math.max(spec.perSecond, spec.burst) });
}

export interface RequestThrottles {
  messages: Throttle;
  reads: Throttle;
  typing: Throttle;
}

export function requestThrottles(
  limits: Limits,
  backend: LimiterBackend,
  onLimited: OnLimited,
): RequestThrottles {
  const throttle = (name: ThrottleSpec["name"], perSecond: number, burst: number, refusal: string) =>
    createThrottle(backend, { name, perSecond, burst, refusal }, onLimited);
  return {
    messages: throttle("messages", limits.messagesPerSecond, limits.messageBurst, "Too many messages."),
    reads: throttle("reads", limits.readsPerSecond, limits.readBurst, "Too many requests."),
    typing: throttle("typing", limits.typingPerSecond, limits.typingBurst, "Too many typing notices."),
  };
}
