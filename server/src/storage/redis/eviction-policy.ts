import type { Logger } from "pino";
import { StartupError } from "../../startup-error.js";
import type { RedisClient } from "./client.js";

/**
 * Refuses a Redis that may evict keys. The chat keeps messages and sessions in Redis without expiry, as
 * its only copy: under any other maxmemory-policy (allkeys-lru, a common cache setting), Redis at its
 * memory limit drops acknowledged messages and sessions without a word, and every check still passes.
 * With noeviction it refuses the write instead, and the client is told to try again.
 */
export async function assertNoEviction(redis: RedisClient, log: Logger): Promise<void> {
  const policy = await evictionPolicy(redis);
  if (policy === null) {
    log.warn("could not read Redis's maxmemory-policy (INFO and CONFIG refused): make sure it is noeviction");
  } else if (policy !== "noeviction") {
    throw new StartupError(
      `Redis's maxmemory-policy is ${policy}: it would evict the chat's messages and sessions; set it to noeviction`,
    );
  }
}

/** The policy, from INFO (managed Redis services often refuse CONFIG), else CONFIG GET; null if neither answers. */
async function evictionPolicy(redis: RedisClient): Promise<string | null> {
  const info = await redis.info("memory").catch(() => "");
  const fromInfo = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (fromInfo) return fromInfo;
  const config = await redis.configGet("maxmemory-policy").catch(() => ({}) as Record<string, string>);
  return config["maxmemory-policy"] ?? null;
}
