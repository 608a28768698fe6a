export * from "./errors.js";
export * from "./limits.js";
export * from "./names.js";
export * from "./protocol.js";
export * from "./schemas.js";
export * from "./server-payloads.js";
