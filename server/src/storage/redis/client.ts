import { createClient, type RedisClientType, type RedisDefaultModules } from "redis";
import { messageScripts } from "./messages.js";
import { presenceScripts } from "./presence-scripts.js";
import { sessionScripts } from "./sessions.js";

const scripts = { ...sessionScripts, ...presenceScripts, ...messageScripts };

/** A node-redis client that knows our Lua scripts as commands. */
export type RedisClient = RedisClientType<RedisDefaultModules, Record<string, never>, typeof scripts>;

export function createRedisClient(url: string): RedisClient {
  return createClient({ url, scripts });
}
