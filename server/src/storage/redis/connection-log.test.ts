import { afterEach, describe, expect, it } from "vitest";
import { capturedLog } from "../../test-support/captured-log.js";
import { type RunningRedis, startRedis } from "../../test-support/redis-server.js";
import { openRedisStorage, type RedisStorage } from "./index.js";

let redis: RunningRedis | undefined;
let storage: RedisStorage | undefined;

afterEach(async () => {
  await storage?.close();
  await redis?.stop();
});

describe("the log of a Redis connection", () => {
  it("says when the connection fails, and once when it is back", async () => {
    redis = await startRedis();
    const { lines, log } = capturedLog("info");
    storage = await openRedisStorage(redis.url, { log });
    const said = (msg: string) => lines.filter((line) => line.msg === msg).length;

    await redis.halt();
    await expect.poll(() => said("redis connection failed"), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(said("redis connection back")).toBe(0);
    await redis.restart();
    // Both clients (requests and broadcasts) come back, each said once.
    await expect.poll(() => said("redis connection back"), { timeout: 10_000 }).toBe(2);
  }, 30_000);
});
