import { createChatServer } from "./app.js";
import { limitsOf, readConfig, servedClientDir, writableDataDir } from "./config.js";
import { createLogger } from "./observability/logger.js";
import { openSqliteStorage } from "./storage/sqlite/index.js";

const config = readConfig();
const log = createLogger(config.LOG_LEVEL);
// With Redis, this process is one of several: state and broadcasts are shared through it. Loaded only
// then: the Redis client and adapter are a few megabytes a lone process has no use for.
const redis = config.REDIS_URL
  ? await (await import("./storage/redis/index.js")).openRedisStorage(config.REDIS_URL, {
      log,
      // Every identity this process's clients had is gone with the data: they reconnect, find their
      // session ended, and log in afresh, with message ids of the new data.
      onDataLost: () => server.io.local.disconnectSockets(true),
    })
  : null;
const server = createChatServer({
  storage: redis ?? openSqliteStorage(writableDataDir(config.DATA_DIR)),
  adapter: redis?.createAdapter(),
  limiterBackend: redis?.limiters,
  presenceGraceMs: config.PRESENCE_GRACE_MS,
  clientDir: servedClientDir(config.CLIENT_DIR, log),
  limits: limitsOf(config),
  allowedOrigins: config.ALLOWED_ORIGINS,
  logger: log,
  basePath: config.BASE_PATH,
  trustProxyHops: config.TRUST_PROXY,
  nodeId: config.NODE_ID,
});

const address = await server.listen(config.PORT, config.HOST);
log.info({ port: address.port, host: address.address, storage: redis ? "redis" : "sqlite" }, "listening");

let closing = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    log.info({ signal }, "shutting down");
    server.close().then(
      () => {
        log.info("closed");
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
