import { createClient, type RedisClientType, type RedisDefaultModules } from "redis";
import { messageScripts } from "./messages.js";
import { presenceScripts } from "./presence-scripts.js";
import { sessionScripts } from "./sessions.js";

const scripts = { ...sessionScripts, ...presenceScripts, ...messageScripts };

/** A node-redis client that knows our Lua scripts as commands. */
export type RedisClient = RedisClientType<RedisDefaultModules, Record<string, never>, typeof scripts>;

/**
 * queueWhileOffline: hold commands while reconnecting and send them once Redis is back. The stores' client
 * does not: a chat that waits for an outage to end answers nobody (sends, logins, /readyz, /metrics and
 * shutdown all hung), then runs seconds-old requests at once. Its commands fail at once instead, and
 * clients are told to try again shortly. The Socket.IO adapter's client does queue: what it publishes
 * during a blip is a broadcast that other processes still want.
 */
export function createRedisClient(url: string, { queueWhileOffline = false } = {}): RedisClient {
  return createClient({ url, scripts, disableOfflineQueue: !queueWhileOffline });
}
