import { createClient, type RedisClientType, type RedisDefaultModules } from "redis";
import { messageScripts } from "./messages.js";
import { presenceScripts } from "./presence-scripts.js";
import { sessionScripts } from "./sessions.js";

const scripts = { ...sessionScripts, ...presenceScripts, ...messageScripts };

/** A node-redis client that knows our Lua scripts as commands. */
export type RedisClient = RedisClientType<RedisDefaultModules, Record<string, never>, typeof scripts>;

/**
 * Commands a client holds at most, sent or not, before it refuses more at once (QUEUE_FULL). A Redis that
 * stalls keeps its connection open and answers nothing: requests are answered at their deadline, but
 * each one's commands stay queued until Redis answers, and clients try again every few seconds, so
 * without a bound a long stall would grow the queue until the process ran out of memory. Far above what
 * a working Redis ever has in flight.
 */
export const MAX_QUEUED_COMMANDS = 20_000;

/** node-redis's refusal of a command beyond commandsQueueMaxLength: a plain Error with this message. */
const QUEUE_FULL = "The queue is full";

export function isQueueFull(error: unknown): boolean {
  return error instanceof Error && error.message === QUEUE_FULL;
}

/**
 * queueWhileOffline: hold commands while reconnecting and send them once Redis is back. The stores' client
 * does not: a chat that waits for an outage to end answers nobody (sends, logins, /readyz, /metrics and
 * shutdown all hung), then runs seconds-old requests at once. Its commands fail at once instead, and
 * clients are told to try again shortly. The Socket.IO adapter's client does queue: what it publishes
 * during a blip is a broadcast that other processes still want.
 */
export function createRedisClient(
  url: string,
  { queueWhileOffline = false, maxQueued = MAX_QUEUED_COMMANDS } = {},
): RedisClient {
  return createClient({
    url,
    scripts,
    disableOfflineQueue: !queueWhileOffline,
    commandsQueueMaxLength: maxQueued,
  });
}
