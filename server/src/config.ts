import { fileURLToPath } from "node:url";
import * as v from "valibot";

const int = (fallback: number) =>
  v.optional(v.pipe(v.string(), v.trim(), v.toNumber(), v.integer(), v.minValue(0)), String(fallback));

/** "/", or a sub-path such as "/chat/": always with a leading and a trailing slash. */
const BasePath = v.pipe(
  v.string(),
  v.transform((path) => `/${path}/`.replace(/\/{2,}/g, "/")),
  v.regex(/^\/([\w.~-]+\/)*$/, "a URL path such as /chat/"),
);

const EnvSchema = v.object({
  PORT: int(3000),
  HOST: v.optional(v.string(), "0.0.0.0"),
  DATA_DIR: v.optional(v.string(), "./data"),
  PRESENCE_GRACE_MS: int(60_000),
  LOG_LEVEL: v.optional(v.picklist(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), "info"),
  BASE_PATH: v.optional(BasePath, "/"),
  /** How many reverse proxies in front of us append to X-Forwarded-For; 0 ignores the header. */
  TRUST_PROXY: int(0),
  /** This node's name in a cluster; prefixes its Engine.IO session ids so nginx can route polling to it. */
  NODE_ID: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]{1,16}$/, "1-16 lowercase letters or digits"))),
  CLIENT_DIR: v.optional(v.string(), fileURLToPath(new URL("../../client/dist", import.meta.url))),
  /** Set: sessions, presence and messages in this Redis, shared with every other process using it. */
  REDIS_URL: v.optional(v.pipe(v.string(), v.trim(), v.url())),
});

export type Config = v.InferOutput<typeof EnvSchema>;

/** Reads the environment; a bad value stops the server at start with the variable's name. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = v.safeParse(EnvSchema, env);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => `${v.getDotPath(issue)}: ${issue.message}`);
  throw new Error(`invalid configuration: ${problems.join("; ")}`);
}
