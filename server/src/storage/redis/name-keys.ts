import { setTimeout as sleep } from "node:timers/promises";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import type { Logger } from "pino";
import type { User } from "../../users.js";
import type { RedisClient } from "./client.js";
import { parseUser } from "./stored-user.js";

/*
 * Keys, under the prefix P:
 *   P name-keys             which uniqueNameKey the stored name keys were computed with (see NAME_KEYS)
 *   P name-keys:upgrading   held by the one process bringing them forward
 */

/**
 * The version of uniqueNameKey that stored keys follow: none stored means nameKey alone, from before
 * lookalike names were one. Bump it whenever uniqueNameKey changes (a newer confusables.txt, say).
 */
export const NAME_KEYS = "2";

/** How long the upgrading process holds the lock without finishing before another one tries. */
const LOCK_MS = 5 * 60_000;

/**
 * Brings every stored name key forward to uniqueNameKey, recomputed from the name stored beside it, before
 * this process serves anyone; other processes starting meanwhile wait for it. Every step is safe to run
 * again, should a process die half way. Processes of the earlier release still running would go on
 * writing old keys: stop them all before the first new one starts (see the README).
 */
export async function upgradeNameKeys(redis: RedisClient, prefix: string, log: Logger): Promise<void> {
  const marker = `${prefix}name-keys`;
  for (;;) {
    if ((await redis.get(marker)) === NAME_KEYS) return;
    const locked = await redis.set(`${marker}:upgrading`, "1", {
      condition: "NX",
      expiration: { type: "PX", value: LOCK_MS },
    });
    if (locked !== null) break;
    await sleep(250);
  }
  log.info({ version: NAME_KEYS }, "bringing stored name keys forward");
  const upgrade = new NameKeyUpgrade(redis, prefix);
  await upgrade.sessions();
  await upgrade.presence();
  for (const index of ["sent", "received"] as const) await upgrade.messageIndexes(index);
  await redis.multi().set(marker, NAME_KEYS).del(`${marker}:upgrading`).exec();
  log.info("stored name keys brought forward");
}

class NameKeyUpgrade {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private async *keys(pattern: string): AsyncGenerator<string> {
    for await (const batch of this.redis.scanIterator({ MATCH: `${this.prefix}${pattern}`, COUNT: 500 })) {
      yield* batch;
    }
  }

  /** Each session's key, its live set and its token's user; then every name ever used, anew. */
  async sessions(): Promise<void> {
    const P = this.prefix;
    const used = new Set<string>();
    for await (const session of this.keys("session:user:*")) {
      const id = session.slice(`${P}session:user:`.length);
      const [name, key, tokenHash, endedAt] = await this.redis.hmGet(session, [
        "name",
        "key",
        "tokenHash",
        "endedAt",
      ]);
      if (name == null || key == null || tokenHash == null) continue;
      const fresh = uniqueNameKey(name);
      used.add(fresh);
      if (fresh === key) continue;
      const step = this.redis.multi().hSet(session, "key", fresh);
      if (endedAt == null) {
        const user: User = { id, name, key: fresh };
        step.sRem(`${P}session:live:${key}`, id).sAdd(`${P}session:live:${fresh}`, id);
        step.set(`${P}session:token:${tokenHash}`, JSON.stringify(user), { condition: "XX" });
      }
      await step.exec();
    }
    const names = `${P}name-keys:names`;
    if (used.size === 0) return;
    await this.redis
      .multi()
      .del(names)
      .sAdd(names, [...used])
      .rename(names, `${P}session:names`)
      .exec();
  }

  /** The listed users' keys, and who holds each name: the first listed, should two names now be one. */
  async presence(): Promise<void> {
    const users = `${this.prefix}presence:users`;
    const names = `${this.prefix}presence:names`;
    for (const [id, json] of Object.entries(await this.redis.hGetAll(users))) {
      const user = parseUser(json);
      const fresh = uniqueNameKey(user.name);
      if (fresh === user.key) continue;
      const holder = await this.redis.hGet(names, user.key);
      const step = this.redis.multi().hSet(users, id, JSON.stringify({ ...user, key: fresh }));
      if (holder === id) step.hDel(names, user.key).hSetNX(names, fresh, id);
      await step.exec();
    }
  }

  /** Each private message moves to the index of the key its peer's name has now. */
  async messageIndexes(index: "sent" | "received"): Promise<void> {
    const P = this.prefix;
    for await (const source of this.keys(`messages:${index}:*`)) {
      const [user, key] = splitOnce(source.slice(`${P}messages:${index}:`.length));
      const ids = await this.redis.zRange(source, 0, -1);
      if (ids.length === 0) continue;
      const stored = await this.redis.hmGet(`${P}messages`, ids);
      const moves = new Map<string, string[]>();
      ids.forEach((id, at) => {
        const message = JSON.parse(stored[at] ?? "null") as { from: string; to: string | null } | null;
        const peer = index === "sent" ? message?.to : message?.from;
        const fresh = peer == null ? key : uniqueNameKey(peer);
        if (fresh === key) return;
        const moving = moves.get(fresh);
        if (moving) moving.push(id);
        else moves.set(fresh, [id]);
      });
      for (const [fresh, moved] of moves) {
        await this.redis
          .multi()
          .zAdd(
            `${P}messages:${index}:${user}:${fresh}`,
            moved.map((id) => ({ score: Number(id), value: id })),
          )
          .zRem(source, moved)
          .exec();
      }
    }
  }
}

/** "<user id>:<key>": user ids never contain ':', keys may. */
function splitOnce(text: string): [string, string] {
  const at = text.indexOf(":");
  return [text.slice(0, at), text.slice(at + 1)];
}
