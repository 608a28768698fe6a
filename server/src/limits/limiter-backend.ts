import { type RateLimiterAbstract, RateLimiterMemory } from "rate-limiter-flexible";

/** A limiter's budget: `points` per `durationS` seconds for each key. */
export interface LimiterSpec {
  name: string;
  points: number;
  durationS: number;
}

/**
 * Where limiters keep their counts. In memory each server process counts on its own; a shared store
 * (rate-limiter-flexible's RateLimiterRedis, with the same spec) makes a limit hold across processes.
 */
export type LimiterBackend = (spec: LimiterSpec) => RateLimiterAbstract;

export const memoryLimiters: LimiterBackend = ({ name, points, durationS }) =>
  new RateLimiterMemory({ keyPrefix: name, points, duration: durationS });
