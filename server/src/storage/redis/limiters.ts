import { RateLimiterRedis } from "rate-limiter-flexible";
import { requireInternal } from "../../library-internals.js";
import type { LimiterBackend } from "../../limits/limiter-backend.js";
import type { RedisClient } from "./client.js";

/** Below this many keys a set is never swept: the library's own threshold. */
const SWEEP_FROM = 1_000;

/**
 * The keys a limiter refuses in memory, each until its window ends. rate-limiter-flexible's own set visits
 * every key on each new block once more than 999 are blocked, so a flood from many identities or addresses
 * at once costs the event loop O(n²): measured, 10,000 keys blocked in one window took 0.68 s of it, and
 * 50,000 took 8.5 s. This one sweeps only when the set has doubled since its last sweep, so a block costs
 * O(1) on average, and a key found expired is forgotten as it is looked up.
 */
export class ExpiringBlocks {
  private readonly until = new Map<string, number>();
  private sweepAt = SWEEP_FROM;

  get size(): number {
    return this.until.size;
  }

  add(key: string, seconds: number): void {
    this.addMs(key, seconds * 1000);
  }

  addMs(key: string, ms: number): void {
    this.until.set(key, Date.now() + ms);
    if (this.until.size < this.sweepAt) return;
    const now = Date.now();
    for (const [blocked, expires] of this.until) if (expires <= now) this.until.delete(blocked);
    this.sweepAt = Math.max(SWEEP_FROM, 2 * this.until.size);
  }

  /** 0: not blocked. */
  msBeforeExpire(key: string): number {
    const expires = this.until.get(key);
    if (expires === undefined) return 0;
    const left = expires - Date.now();
    if (left >= 0) return left;
    this.until.delete(key);
    return 0;
  }

  /** One key, or every key. */
  delete(key?: string): void {
    if (key) this.until.delete(key);
    else this.until.clear();
  }
}

/**
 * Limiters counting in Redis, so a limit holds across processes. A key whose budget is spent is refused in
 * memory until its window ends (the library's `inMemoryBlockOnConsumed`, with `inMemoryBlockDuration` 0): a
 * client flooding past its limit costs Redis nothing more. Spends on other processes meanwhile still count
 * in Redis. The in-memory set is ExpiringBlocks, in place of the library's.
 */
export function redisLimiters(redis: RedisClient, prefix: string): LimiterBackend {
  return ({ name, points, durationS }) => {
    const limiter = new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: true,
      keyPrefix: `${prefix}limit:${name}`,
      points,
      duration: durationS,
      inMemoryBlockOnConsumed: points,
    });
    // The library keeps its set in this field and offers no option for it: should a new version rename
    // it, this throws at start-up rather than leaving the quadratic sweep in place unnoticed.
    requireInternal(limiter, "_inMemoryBlockedKeys", "rate-limiter-flexible");
    (limiter as unknown as Record<string, unknown>)._inMemoryBlockedKeys = new ExpiringBlocks();
    return limiter;
  };
}
