import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRedis, startRedis } from "../../test-support/redis-server.js";
import { createRedisClient, type RedisClient } from "./client.js";
import { StoreEpoch } from "./epoch.js";

let redis: RunningRedis;
let client: RedisClient;
let observer: RedisClient;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedisClient(redis.url);
  observer = createRedisClient(redis.url);
  await Promise.all([client.connect(), observer.connect()]);
});

afterAll(async () => {
  await Promise.all([client?.close(), observer?.close()]);
  await redis?.stop();
});

/** How many GETs Redis has answered: each check of the epoch ends with one. */
async function getsAnswered(): Promise<number> {
  const stats = await observer.info("commandstats");
  return Number(/^cmdstat_get:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
}

describe("the epoch of the chat's data in Redis", () => {
  it("calls onLost once per loss, even when the data goes between the two steps of a check", async () => {
    const epoch = new StoreEpoch(client, "epoch", pino({ level: "silent" }));
    let lost = 0;
    // Checks overlap at this pace, so some are caught with the key gone between writing and reading it.
    await epoch.start(1, () => lost++);
    try {
      for (let loss = 1; loss <= 20; loss++) {
        await observer.flushAll();
        await expect.poll(() => lost).toBe(loss);
        // Many more checks find the new data: none of them takes it for another loss.
        const after = await getsAnswered();
        await expect.poll(getsAnswered).toBeGreaterThan(after + 20);
        expect(lost).toBe(loss);
      }
    } finally {
      epoch.stop();
    }
  });
});
