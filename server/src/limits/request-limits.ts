import type { ProtocolError } from "@chat/shared";
import { BurstyRateLimiter } from "rate-limiter-flexible";
import type { LimiterBackend } from "./limiter-backend.js";
import { type LimitName, type OnLimited, spend } from "./rate-limited.js";
import { BURST_WINDOW_S, type Limits } from "./settings.js";

/**
 * Spends `cost` requests (one by default) of `key` (an identity); resolves to the refusal when that
 * takes it over its limit. What is spent stays spent, refused or not.
 */
export type Throttle = (key: string, cost?: number) => Promise<ProtocolError | null>;

export interface ThrottleSpec {
  name: Extract<LimitName, "messages" | "reads">;
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
  if (spec.perSecond === 0) return async () => null;
  const sustained = backend({ name: spec.name, points: spec.perSecond, durationS: 1 });
  const limiter =
    spec.burst === 0
      ? sustained
      : new BurstyRateLimiter(
          sustained,
          backend({ name: `${spec.name}:burst`, points: spec.burst, durationS: BURST_WINDOW_S }),
        );
  const refusal = { limit: spec.name, message: spec.refusal, onLimited };
  return (key, cost = 1) => spend(limiter, key, cost, refusal);
}

export interface RequestThrottles {
  messages: Throttle;
  reads: Throttle;
}

export function requestThrottles(
  limits: Limits,
  backend: LimiterBackend,
  onLimited: OnLimited,
): RequestThrottles {
  return {
    messages: createThrottle(
      backend,
      {
        name: "messages",
        perSecond: limits.messagesPerSecond,
        burst: limits.messageBurst,
        refusal: "Too many messages.",
      },
      onLimited,
    ),
    reads: createThrottle(
      backend,
      {
        name: "reads",
        perSecond: limits.readsPerSecond,
        burst: limits.readBurst,
        refusal: "Too many requests.",
      },
      onLimited,
    ),
  };
}
