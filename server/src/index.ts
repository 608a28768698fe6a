export { type ChatServer, type ChatServerOptions, createChatServer, DEFAULTS } from "./app.js";
export { openSqliteStorage } from "./storage/sqlite/index.js";
export type { Storage } from "./storage/storage.js";
