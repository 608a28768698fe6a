import { fileURLToPath } from "node:url";
import * as v from "valibot";

const int = (fallback: number) =>
  v.optional(v.pipe(v.string(), v.trim(), v.toNumber(), v.integer(), v.minValue(0)), String(fallback));

const EnvSchema = v.object({
  PORT: int(3000),
  HOST: v.optional(v.string(), "0.0.0.0"),
  DATA_DIR: v.optional(v.string(), "./data"),
  PRESENCE_GRACE_MS: int(60_000),
  LOG_LEVEL: v.optional(v.picklist(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), "info"),
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
