import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import * as v from "valibot";
import { DEFAULTS } from "./defaults.js";
import { DEFAULT_LIMITS, LIMIT_VARIABLES, type Limits } from "./limits/settings.js";
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
});

const LIMIT_KEYS = Object.keys(LIMIT_VARIABLES) as (keyof Limits)[];

/** Every limit's variable, keyed by its name in the environment. */
const LimitsEnvSchema = v.object(
  Object.fromEntries(
    LIMIT_KEYS.map((key) => {
      const { env, min, max } = LIMIT_VARIABLES[key];
      return [env, int(DEFAULT_LIMITS[key], min, max)];
    }),
  ),
);

export type Config = v.InferOutput<typeof EnvSchema> & { limits: Limits };

/** Reads the environment; a bad value stops the server at start with the variable's name. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const settings = v.safeParse(EnvSchema, env);
  const limits = v.safeParse(LimitsEnvSchema, env);
  if (settings.success && limits.success) return { ...settings.output, limits: limitsOf(limits.output) };
  const issues = [...(settings.issues ?? []), ...(limits.issues ?? [])];
  const problems = issues.map((issue) => `${v.getDotPath(issue)}: ${issue.message}`);
  throw new StartupError(`invalid configuration: ${problems.join("; ")}`);
}

function limitsOf(variables: Record<string, number>): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of LIMIT_KEYS) limits[key] = variables[LIMIT_VARIABLES[key].env] ?? DEFAULT_LIMITS[key];
  return limits;
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
