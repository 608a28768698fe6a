import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LIMITS } from "@chat/shared";
import type { Logger } from "pino";
import * as v from "valibot";
import { DEFAULTS } from "./app.js";
import { DEFAULT_LIMITS, type Limits } from "./limits/settings.js";
import { StartupError } from "./startup-error.js";

/** The longest delay setTimeout keeps: a longer one fires at once, with only a warning. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

// Set but empty is refused, as for every variable where empty means nothing: it would read as 0, which
// for PORT is a random port and for a limit turns it off. Decimal digits only: Number() would also take
// "0x10" (16), "1e3" (1000) or "0b1", none of which an operator writing a port or a limit means.
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.nonEmpty("empty: unset it for the default"),
      v.regex(/^\d+$/, "not a whole number in decimal digits"),
      v.toNumber(),
      v.integer(),
      v.minValue(min),
      v.maxValue(max),
    ),
    String(fallback),
  );

/** `*`, or http(s) origins separated by commas; empty means the server's own origin only. */
const Origins = v.optional(
  v.pipe(
    v.string(),
    v.transform((list) =>
      list
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
    v.array(
      v.union([
        v.literal("*"),
        v.pipe(
          v.string(),
          v.check(
            (origin) => URL.canParse(origin) && /^https?:$/.test(new URL(origin).protocol),
            "not an http(s) origin",
          ),
          v.transform((origin) => new URL(origin).origin),
        ),
      ]),
    ),
  ),
  "",
);

/** "/", or a sub-path such as "/chat/": always with a leading and a trailing slash. */
const BasePath = v.pipe(
  v.string(),
  v.transform((path) => `/${path}/`.replace(/\/{2,}/g, "/")),
  v.regex(/^\/([\w.~-]+\/)*$/, "a URL path such as /chat/"),
);

const EnvSchema = v.object({
  PORT: int(3000, 0, 65535),
  HOST: v.optional(v.string(), DEFAULTS.host),
  DATA_DIR: v.optional(v.string(), "./data"),
  PRESENCE_GRACE_MS: int(DEFAULTS.presenceGraceMs, 0, MAX_TIMEOUT_MS),
  PRESENCE_AWAY_MS: int(DEFAULTS.presenceAwayMs, 0, MAX_TIMEOUT_MS),
  /** After SIGTERM, how long /readyz says 503 while the server still serves, before it closes. */
  SHUTDOWN_DRAIN_MS: int(0, 0, MAX_TIMEOUT_MS),
  LOG_LEVEL: v.optional(v.picklist(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), "info"),
  BASE_PATH: v.optional(BasePath, "/"),
  /** How many reverse proxies in front of us append to X-Forwarded-For; 0 ignores the header. */
  TRUST_PROXY: int(0),
  /** This node's name in a cluster; prefixes its Engine.IO session ids so nginx can route polling to it. */
  NODE_ID: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]{1,16}$/, "1-16 lowercase letters or digits"))),
  CLIENT_DIR: v.optional(v.string(), fileURLToPath(new URL("../../client/dist", import.meta.url))),
  /** Set: sessions, presence and messages in this Redis, shared with every other process using it. */
  REDIS_URL: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check(
        (url) => URL.canParse(url) && /^rediss?:$/.test(new URL(url).protocol),
        "not a redis:// or rediss:// URL",
      ),
    ),
  ),
  ALLOWED_ORIGINS: Origins,
  // Content limits may be lowered, never raised above the protocol's (clients rely on those).
  MAX_HTTP_BUFFER_SIZE: int(DEFAULT_LIMITS.maxHttpBufferSize, 1024, 1024 * 1024),
  MAX_UNREAD_BYTES: int(DEFAULT_LIMITS.maxUnreadBytes, 64 * 1024, 256 * 1024 * 1024),
  RECOVERY_MAX_PACKETS: int(DEFAULT_LIMITS.recoveryMaxPackets, 0, 1_000_000),
  TEXT_MAX_LENGTH: int(DEFAULT_LIMITS.textMaxLength, 1, LIMITS.textMaxLength),
  NAME_MAX_LENGTH: int(DEFAULT_LIMITS.nameMaxLength, 1, LIMITS.nameMaxLength),
  HISTORY_PAGE_MAX: int(DEFAULT_LIMITS.historyPageMax, LIMITS.historyPageDefault, LIMITS.historyPageMax),
  HTTP_REQUEST_TIMEOUT_MS: int(DEFAULT_LIMITS.httpRequestTimeoutMs, 1000, 600_000),
  // Rates and connection counts: 0 turns the limit off.
  CONNECTIONS_PER_IP: int(DEFAULT_LIMITS.connectionsPerIp),
  HANDSHAKES_PER_IP_PER_MINUTE: int(DEFAULT_LIMITS.handshakesPerIpPerMinute),
  MESSAGES_PER_SECOND: int(DEFAULT_LIMITS.messagesPerSecond),
  MESSAGE_BURST: int(DEFAULT_LIMITS.messageBurst),
  READS_PER_SECOND: int(DEFAULT_LIMITS.readsPerSecond),
  READ_BURST: int(DEFAULT_LIMITS.readBurst),
  TYPING_PER_SECOND: int(DEFAULT_LIMITS.typingPerSecond),
  TYPING_BURST: int(DEFAULT_LIMITS.typingBurst),
  REFUSALS_PER_CONNECTION: int(DEFAULT_LIMITS.refusalsPerConnection),
  OVERLOAD_TARGET_MS: int(DEFAULT_LIMITS.overloadTargetMs, 0, 60_000),
});

export type Config = v.InferOutput<typeof EnvSchema>;

/** Reads the environment; a bad value stops the server at start with the variable's name. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = v.safeParse(EnvSchema, env);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => `${v.getDotPath(issue)}: ${issue.message}`);
  throw new StartupError(`invalid configuration: ${problems.join("; ")}`);
}

/**
 * DATA_DIR, created if missing and proved writable before the store opens it, so that a bad one (a file,
 * a path through a file, a read-only place) stops the server naming the variable, not with a raw fs error.
 */
export function writableDataDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return dir;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`invalid configuration: DATA_DIR: cannot create or write ${dir} (${reason})`);
  }
}

/** CLIENT_DIR when it holds a built client; otherwise null, and a warning: the server serves only the API. */
export function servedClientDir(dir: string, log: Logger): string | null {
  if (existsSync(join(dir, "index.html"))) return dir;
  log.warn({ clientDir: dir }, "CLIENT_DIR has no index.html (client not built?): serving only the API");
  return null;
}

/**
 * A warning when this process shares Redis with others but has no NODE_ID: its Engine.IO session ids
 * then lack the prefix a proxy routes long-polling by (deploy/nginx.conf), so polling clients behind it
 * fail with "Session ID unknown" whenever a request reaches another node.
 */
export function warnIfUnroutable(config: Config, log: Logger): void {
  if (config.REDIS_URL && !config.NODE_ID) {
    log.warn("REDIS_URL is set but NODE_ID is not: long-polling behind a proxy needs a NODE_ID per node");
  }
}

export function limitsOf(config: Config): Limits {
  return {
    maxHttpBufferSize: config.MAX_HTTP_BUFFER_SIZE,
    maxUnreadBytes: config.MAX_UNREAD_BYTES,
    recoveryMaxPackets: config.RECOVERY_MAX_PACKETS,
    textMaxLength: config.TEXT_MAX_LENGTH,
    nameMaxLength: config.NAME_MAX_LENGTH,
    historyPageMax: config.HISTORY_PAGE_MAX,
    httpRequestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionsPerIp: config.CONNECTIONS_PER_IP,
    handshakesPerIpPerMinute: config.HANDSHAKES_PER_IP_PER_MINUTE,
    messagesPerSecond: config.MESSAGES_PER_SECOND,
    messageBurst: config.MESSAGE_BURST,
    readsPerSecond: config.READS_PER_SECOND,
    readBurst: config.READ_BURST,
    typingPerSecond: config.TYPING_PER_SECOND,
    typingBurst: config.TYPING_BURST,
    refusalsPerConnection: config.REFUSALS_PER_CONNECTION,
    overloadTargetMs: config.OVERLOAD_TARGET_MS,
  };
}
