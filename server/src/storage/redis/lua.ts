import { type CommandParser, defineScript, type RedisArgument, type RedisScripts } from "redis";

/** A script as node-redis registers it: `client.<name>(...args)` resolves to `Reply`. */
export type LuaScript<Reply> = RedisScripts[string] & {
  parseCommand(this: void, parser: CommandParser, ...args: RedisArgument[]): void;
  transformReply(this: void, reply: unknown): Reply;
};

/**
 * A Lua script, run atomically by Redis; node-redis calls it by SHA1 and loads it on NOSCRIPT. Every
 * script takes the key prefix as ARGV[1] and builds its key names from it, because several (the presence
 * sweep, ending a name's previous sessions) reach keys they only discover while running: this needs a
 * standalone Redis, not Redis Cluster.
 */
export function lua<Reply>(source: string, parse: (reply: unknown) => Reply): LuaScript<Reply> {
  return defineScript({
    SCRIPT: source,
    NUMBER_OF_KEYS: 0,
    parseCommand(parser: CommandParser, ...args: RedisArgument[]) {
      parser.push(...args);
    },
    transformReply: parse,
  });
}

/** Readers of the replies our scripts give (RESP2: a Lua false arrives as null). */
export const reply = {
  integer(value: unknown): number {
    if (typeof value !== "number") throw new TypeError(`expected an integer reply, got ${typeof value}`);
    return value;
  },
  string(value: unknown): string {
    if (typeof value !== "string") throw new TypeError(`expected a string reply, got ${typeof value}`);
    return value;
  },
  stringOrNull(value: unknown): string | null {
    if (value !== null && typeof value !== "string") {
      throw new TypeError(`expected a string reply, got ${typeof value}`);
    }
    return value;
  },
  array(value: unknown): unknown[] {
    if (!Array.isArray(value)) throw new TypeError(`expected an array reply, got ${typeof value}`);
    return value;
  },
  strings(value: unknown): string[] {
    return reply.array(value).map(reply.string);
  },
};
