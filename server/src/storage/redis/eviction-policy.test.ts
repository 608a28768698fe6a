import { describe, expect, it } from "vitest";
import { StartupError } from "../../startup-error.js";
import { capturedLog } from "../../test-support/captured-log.js";
import type { RedisClient } from "./client.js";
import { assertNoEviction } from "./eviction-policy.js";

/** A Redis that answers INFO memory and CONFIG GET as given; a rejection stands for a refused command. */
const redisAnswering = (info: Promise<string>, config: Promise<Record<string, string>>) =>
  ({ info: () => info, configGet: () => config }) as unknown as RedisClient;
const refused = <T>() => Promise.reject<T>(new Error("ERR unknown command"));

describe("Redis's eviction policy at start", () => {
  it("is read from CONFIG when INFO is refused, and refused unless noeviction", async () => {
    const { log } = capturedLog();
    const volatile = redisAnswering(refused(), Promise.resolve({ "maxmemory-policy": "volatile-ttl" }));
    await expect(assertNoEviction(volatile, log)).rejects.toThrow(StartupError);
    const safe = redisAnswering(refused(), Promise.resolve({ "maxmemory-policy": "noeviction" }));
    await expect(assertNoEviction(safe, log)).resolves.toBeUndefined();
  });

  it("when it cannot be read at all, lets the server start with a warning", async () => {
    const { lines, log } = capturedLog();
    await assertNoEviction(redisAnswering(refused(), refused()), log);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining("maxmemory-policy") }),
    ]);
  });
});
