import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { type ChatServer, createChatServer } from "./app.js";
import { type Config, readConfig, servedClientDir, warnIfUnroutable, writableDataDir } from "./config.js";
import { createLogger } from "./observability/logger.js";
import { StartupError } from "./startup-error.js";
import { openSqliteStorage } from "./storage/sqlite/index.js";

/** Why listening failed, for the errors an operator causes and fixes. */
const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: "is in use by another process",
  EACCES: "needs privileges this process does not have",
  EADDRNOTAVAIL: "is not an address of this machine",
  ENOTFOUND: "is a name that does not resolve",
  EAI_AGAIN: "is a name that could not be resolved (DNS did not answer)",
};

async function start(config: Config, log: Logger): Promise<ChatServer> {
  // Redis can report lost data or missed broadcasts before the server below exists; no client has any
  // state to resync then.
  let server: ChatServer | undefined;
  const resync = () => server?.resync();
  // With Redis, this process is one of several: state and broadcasts are shared through it. Loaded only
  // then: the Redis client and adapter are a few megabytes a lone process has no use for.
  const redis = config.REDIS_URL
    ? await (await import("./storage/redis/index.js")).openRedisStorage(config.REDIS_URL, {
        log,
        // Every identity this process's clients had is gone with the data: reconnecting, they are told
        // SESSION_EXPIRED, and log in afresh, with message ids of the new data.
        onDataLost: resync,
        // Messages and presence changes for them never reached this process.
        onBroadcastsMissed: resync,
      })
    : null;
  warnIfUnroutable(config, log);
  server = createChatServer({
    storage: redis ?? (await openSqliteStorage(writableDataDir(config.DATA_DIR))),
    adapter: redis?.createAdapter(),
    limiterBackend: redis?.limiters,
    presenceGraceMs: config.PRESENCE_GRACE_MS,
    presenceAwayMs: config.PRESENCE_AWAY_MS,
    clientDir: servedClientDir(config.CLIENT_DIR, log),
    limits: config.limits,
    allowedOrigins: config.ALLOWED_ORIGINS,
    logger: log,
    basePath: config.BASE_PATH,
    trustProxyHops: config.TRUST_PROXY,
    nodeId: config.NODE_ID,
  });
  try {
    const address = await server.listen(config.PORT, config.HOST);
    const storage = redis ? "redis" : "sqlite";
    log.info({ port: address.port, host: address.address, storage, nodeId: config.NODE_ID }, "listening");
  } catch (error) {
    const problem = LISTEN_PROBLEMS[(error as NodeJS.ErrnoException).code ?? ""];
    if (!problem) throw error;
    throw new StartupError(`HOST ${config.HOST} PORT ${config.PORT} ${problem}`, { cause: error });
  }
  return server;
}

/**
 * The first SIGTERM or SIGINT shuts down gracefully, after `drainMs` of serving while not ready; exits 1
 * if the store did not confirm every write in time, since some may then be lost. A second one exits at
 * once, also with 1: an operator who will not wait, or a supervisor's stop timeout, should not see a
 * silent death.
 */
function stopOnSignals(server: ChatServer, log: Logger, drainMs: number): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) {
      log.error({ signal }, "forced exit: writes the store had not confirmed may be lost");
      process.exit(1);
    }
    closing = true;
    log.info({ signal, drainMs }, "shutting down");
    server.drain();
    sleep(drainMs)
      .then(() => server.close())
      .then(
        (complete) => {
          log.info({ complete }, "closed");
          process.exit(complete ? 0 : 1);
        },
        (error: unknown) => {
          log.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", stop).on("SIGINT", stop);
}

// Before the configuration is read, its log level is not known: a failure to start is always logged.
let log = createLogger("info");
try {
  const config = readConfig();
  log = createLogger(config.LOG_LEVEL);
  stopOnSignals(await start(config, log), log, config.SHUTDOWN_DRAIN_MS);
} catch (error) {
  // What the operator can fix is said in one line; anything else is a fault, logged with its stack.
  if (error instanceof StartupError) log.fatal(error.message);
  else log.fatal({ err: error }, "failed to start");
  process.exit(1);
}
