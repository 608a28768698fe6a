import { existsSync } from "node:fs";
import { pino } from "pino";
import { createChatServer } from "./app.js";
import { readConfig } from "./config.js";
import { openSqliteStorage } from "./storage/sqlite/index.js";

const config = readConfig();
const log = pino({ level: config.LOG_LEVEL });
const server = createChatServer({
  storage: openSqliteStorage(config.DATA_DIR),
  presenceGraceMs: config.PRESENCE_GRACE_MS,
  clientDir: existsSync(config.CLIENT_DIR) ? config.CLIENT_DIR : null,
  logger: log,
  basePath: config.BASE_PATH,
  trustProxyHops: config.TRUST_PROXY,
  nodeId: config.NODE_ID,
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
