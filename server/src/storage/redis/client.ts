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
 * How long Redis may leave a command unanswered before the connection counts as dead and is opened
 * again. A network path that stops without a reset (a partition, a frozen host) leaves the socket open:
 * node-redis would wait until TCP gives up, a quarter of an hour on Linux, and meanwhile every request
 * would wait out its deadline and the adapter's reader would wait on its XREAD, so broadcasts between
 * processes would stop without a word. Far above any answer of a working Redis: our scripts are bounded.
 */
export const STALL_MS = 10_000;

/**
 * queueWhileOffline: hold commands while reconnecting and send them once Redis is back. The stores' client
 * does not: a chat that waits for an outage to end answers nobody (sends, logins, /readyz, /metrics and
 * shutdown all hung), then runs seconds-old requests at once. Its commands fail at once instead, and
 * clients are told to try again shortly. The Socket.IO adapter's client does queue: what it publishes
 * during a blip is a broadcast that other processes still want.
 */
export function createRedisClient(
  url: string,
  { queueWhileOffline = false, maxQueued = MAX_QUEUED_COMMANDS, stallMs = STALL_MS } = {},
): RedisClient {
  return createClient({
    url,
    scripts,
    disableOfflineQueue: !queueWhileOffline,
    commandsQueueMaxLength: maxQueued,
    // A healthy connection answers a ping at least this often, and one silent for stallMs is dropped and
    // opened again. Both reach the clients the Socket.IO adapter duplicates from ours (its subscriber and
    // its blocking readers, whose reads return every readerBlockMs), which are not ours to watch.
    pingInterval: stallMs / 4,
    socket: { socketTimeout: stallMs, reconnectStrategy },
  });
}

/**
 * node-redis's own back-off (50 ms doubling to 2 s, plus up to 200 ms of jitter so that processes do not
 * all come back at once), but without its exception: by default it closes a client for good after a
 * socket timeout. Then every command fails at once, and the adapter's reader, which reads again as soon
 * as a read fails, would spin without ever yielding the event loop.
 */
function reconnectStrategy(retries: number): number {
  return Math.min(2 ** retries * 50, 2000) + Math.floor(Math.random() * 200);
}

/** How long the adapter's blocking reads wait for news: well within the stall timeout of their connection. */
export const readerBlockMs = (stallMs: number) => stallMs / 2;

/**
 * Opens `client`'s connection again when its pings have gone unanswered for stallMs. The socket's own
 * timeout cannot see that stall on a client that keeps sending, as ours do (requests, heartbeats): every
 * command written counts as activity. Returns a stop function.
 */
export function watchForStalls(client: RedisClient, stallMs: number, onStall: () => void): () => void {
  let answeredAt = Date.now();
  const answered = () => {
    answeredAt = Date.now();
  };
  client.on("ready", answered).on("ping-interval", answered);
  const timer = setInterval(() => {
    // Not ready: node-redis is already connecting again.
    if (!client.isReady || Date.now() - answeredAt < stallMs) return;
    answered();
    onStall();
    // What was waiting for an answer fails now; node-redis connects again as it would after an error.
    client.destroy();
    client.connect().catch(() => {});
  }, stallMs / 4);
  timer.unref();
  return () => {
    clearInterval(timer);
    client.off("ready", answered).off("ping-interval", answered);
  };
}
