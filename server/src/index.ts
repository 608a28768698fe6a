export { type ChatServer, type ChatServerOptions, createChatServer } from "./app.js";
export { DEFAULTS } from "./defaults.js";
export { type LimiterBackend, type LimiterSpec, memoryLimiters } from "./limits/limiter-backend.js";
export { DEFAULT_LIMITS, type Limits } from "./limits/settings.js";
export { openRedisStorage } from "./storage/redis/index.js";
export { openSqliteStorage } from "./storage/sqlite/index.js";
export type { Storage } from "./storage/storage.js";
