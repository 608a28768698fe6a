import { randomBytes } from "node:crypto";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { type Logger, pino } from "pino";
import { ClientOfflineError } from "redis";
import type { LimiterBackend } from "../../limits/limiter-backend.js";
import type { AdapterFactory } from "../../transport/io.js";
import type { Storage } from "../storage.js";
import {
  createRedisClient,
  isQueueFull,
  MAX_QUEUED_COMMANDS,
  readerBlockMs,
  STALL_MS,
  watchForStalls,
} from "./client.js";
import { StoreEpoch } from "./epoch.js";
import { assertNoEviction } from "./eviction-policy.js";
import { redisLimiters } from "./limiters.js";
import { RedisMessageStore } from "./messages.js";
import { upgradeNameKeys } from "./name-keys.js";
import { RedisPresenceStore } from "./presence.js";
import { retriedPublishes } from "./retried-publishes.js";
import { RedisSessionStore } from "./sessions.js";

export interface RedisStorageOptions {
  /** Prefix of every key (and of the adapter's stream and channels): several chats can share a Redis. */
  keyPrefix?: string;
  /** How long this process's sockets keep counting after its last heartbeat, should it die. */
  nodeTtlMs?: number;
  /** Where connection trouble is reported; node-redis reconnects on its own meanwhile. */
  log?: Logger;
  /** Redis lost the chat's data under it (see StoreEpoch): this process's connections must end. */
  onDataLost?: () => void;
  /**
   * Broadcasts of the other processes were lost to this one: it was cut from Redis for longer than the
   * stream that carries them keeps them (`streamMaxLen` entries). Its clients must catch up with `sync`.
   */
  onBroadcastsMissed?: () => void;
  /** Entries the stream of broadcasts keeps, about (10,000 by default). */
  streamMaxLen?: number;
  /** Commands each client holds at most while Redis is slow to answer (see MAX_QUEUED_COMMANDS). */
  maxQueuedCommands?: number;
  /** How long Redis may leave a command unanswered before the connection is opened again (see STALL_MS). */
  stallMs?: number;
}

export interface RedisStorage extends Storage {
  /** A Socket.IO Redis Streams adapter on the same connection, so that broadcasts reach every process. */
  createAdapter(): AdapterFactory;
  /** Rate limiters counting in this Redis, so that a limit holds across every process. */
  limiters: LimiterBackend;
}

const REDIS_DEFAULTS = { keyPrefix: "chat:", nodeTtlMs: 10_000, streamMaxLen: 10_000 };

/**
 * The shared backend for several processes: sessions, presence and messages in one Redis (standalone,
 * see lua.ts), each process one node with its own lease. Durability is Redis's: see the README.
 */
export async function openRedisStorage(
  url: string,
  options: RedisStorageOptions = {},
): Promise<RedisStorage> {
  const prefix = options.keyPrefix ?? REDIS_DEFAULTS.keyPrefix;
  const log = options.log ?? pino({ level: "silent" });
  const nodeTtlMs = options.nodeTtlMs ?? REDIS_DEFAULTS.nodeTtlMs;
  const maxQueued = options.maxQueuedCommands ?? MAX_QUEUED_COMMANDS;
  const stallMs = options.stallMs ?? STALL_MS;
  const redis = createRedisClient(url, { maxQueued, stallMs });
  const broadcasts = createRedisClient(url, { queueWhileOffline: true, maxQueued, stallMs });
  const stopWatching: (() => void)[] = [];
  for (const client of [redis, broadcasts]) {
    // Said once it is back, too: a line per failed attempt, then nothing, reads as an outage still on.
    let failing = false;
    client.on("error", (error: unknown) => {
      failing = true;
      log.warn({ err: error }, "redis connection failed");
    });
    client.on("ready", () => {
      if (failing) log.info("redis connection back");
      failing = false;
    });
    await client.connect();
    stopWatching.push(
      watchForStalls(client, stallMs, () =>
        log.warn({ stallMs }, "redis stopped answering; connecting again"),
      ),
    );
  }
  try {
    await assertNoEviction(redis, log);
  } catch (error) {
    for (const stop of stopWatching) stop();
    for (const client of [redis, broadcasts]) client.destroy();
    throw error;
  }
  await upgradeNameKeys(redis, prefix, log);
  const presence = new RedisPresenceStore(redis, prefix, {
    nodeId: randomBytes(8).toString("hex"),
    ttlMs: nodeTtlMs,
  });
  await presence.start(log);
  const epoch = new StoreEpoch(redis, `${prefix}epoch`, log);
  await epoch.start(nodeTtlMs / 3, () => options.onDataLost?.());
  const messages = new RedisMessageStore(redis, prefix);
  let closing: Promise<void> | null = null;
  return {
    sessions: new RedisSessionStore(redis, prefix),
    presence,
    messages,
    async ping() {
      await redis.ping();
    },
    // Offline, or cut with commands in flight: either way the client is not ready until it reconnects.
    // Or stalled, with as many commands waiting as a client holds.
    unreachable: (error) => error instanceof ClientOfflineError || !redis.isReady || isQueueFull(error),
    close() {
      closing ??= (async () => {
        presence.stop();
        epoch.stop();
        for (const stop of stopWatching) stop();
        await messages.flush();
        for (const client of [redis, broadcasts]) {
          // Waits for the replies of every command already sent: no accepted append is dropped. A client
          // that is away has none coming (its commands failed), and closing would wait for it to return.
          if (client.isReady) await client.close();
          else client.destroy();
        }
      })();
      return closing;
    },
    limiters: redisLimiters(redis, prefix),
    createAdapter: () =>
      retriedPublishes(
        createAdapter(broadcasts, {
          streamName: `${prefix}socket.io`,
          channelPrefix: `${prefix}socket.io`,
          sessionKeyPrefix: `${prefix}socket.io:session:`,
          blockTimeInMs: readerBlockMs(stallMs),
          maxLen: options.streamMaxLen ?? REDIS_DEFAULTS.streamMaxLen,
          onMissed: () => {
            log.warn("broadcasts were trimmed from the stream before this process read them");
            options.onBroadcastsMissed?.();
          },
        }),
        log,
      ),
  };
}
