import { nameKey } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRedis, startRedis } from "../../test-support/redis-server.js";
import { CLAIM_WINDOW_MS } from "../../test-support/storage-fixtures.js";
import type { User } from "../../users.js";
import { openRedisStorage } from "./index.js";

let redis: RunningRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

/** A user as the release before lookalike names stored one: keyed by nameKey alone. */
const before = (id: string, name: string): User => ({ id, name, key: nameKey(name) });

describe("upgrading a Redis to lookalike name keys", () => {
  it("brings sessions, presence and conversations forward before serving, and marks them done", async () => {
    const keyPrefix = "upgrade:";
    const [latin, cyrillic, bob] = [
      before("latin", "alice"),
      before("cyrillic", "\u0430lice"),
      before("bob", "Bob"),
    ];
    const old = await openRedisStorage(redis.url, { keyPrefix });
    await old.sessions.create(latin, "hash-latin", 1);
    await old.sessions.create(cyrillic, "hash-cyrillic", 2);
    await old.sessions.create(bob, "hash-bob", 3);
    await old.presence.claim(cyrillic, CLAIM_WINDOW_MS);
    await old.messages.append({ from: bob, to: cyrillic, text: "hi", clientId: "c1", sentAt: 4 });
    await old.messages.append({ from: cyrillic, to: bob, text: "hello", clientId: "c2", sentAt: 5 });
    await old.close();
    // As the earlier release left it: no version of the keys.
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.del(`${keyPrefix}name-keys`);

    const upgraded = await openRedisStorage(redis.url, { keyPrefix });
    try {
      const key = uniqueNameKey("alice");
      expect(await upgraded.sessions.findByTokenHash("hash-latin")).toEqual({ ...latin, key });
      expect(await upgraded.sessions.findByTokenHash("hash-cyrillic")).toEqual({ ...cyrillic, key });
      expect(await upgraded.sessions.isKnownName(key)).toBe(true);
      expect(await upgraded.presence.holderOf(key)).toEqual({ ...cyrillic, key });
      expect(await upgraded.presence.claim({ id: "new", name: "Alice", key }, CLAIM_WINDOW_MS)).toBe("taken");
      const page = await upgraded.messages.page(bob.id, { key, id: null }, null, 10);
      expect(page.map((message) => message.text)).toEqual(["hi", "hello"]);
      expect(await raw.get(`${keyPrefix}name-keys`)).toBe("2");
    } finally {
      await upgraded.close();
      await raw.close();
    }
  });
});
