import { existsSync } from "node:fs";
import { createChatServer } from "./app.js";
import { limitsOf, readConfig } from "./config.js";
import { createLogger } from "./observability/logger.js";
import { openSqliteStorage } from "./storage/sqlite/index.js";

const config = readConfig();
const log = createLogger(config.LOG_LEVEL);
const server = createChatServer({
  storage: openSqliteStorage(config.DATA_DIR),
  presenceGraceMs: config.PRESENCE_GRACE_MS,
  clientDir: existsSync(config.CLIENT_DIR) ? config.CLIENT_DIR : null,
  limits: limitsOf(config),
  allowedOrigins: config.ALLOWED_ORIGINS,
  logger: log,
});

const address = await server.listen(config.PORT, config.HOST);
log.info({ port: address.port, host: address.address }, "listening");

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
