import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisClient } from "../server/src/storage/redis/client.js";
import { startRedis } from "../server/src/test-support/redis-server.js";
import { type ServerProcess, StartFailed, startServerProcess } from "./support/server-process.js";

const dataDir = () => mkdtempSync(join(tmpdir(), "chat-startup-"));
const running: ServerProcess[] = [];

afterAll(async () => {
  for (const server of running.splice(0)) await server.kill("SIGTERM");
});

/** How a start that should fail failed: its exit and its log, which must say why in one line. */
async function failedStart(env: Record<string, string>): Promise<StartFailed> {
  const outcome = await startServerProcess(env).then(
    (server) => {
      running.push(server);
      return server;
    },
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(StartFailed);
  return outcome as StartFailed;
}

describe("a server that cannot start", () => {
  it("says which variable is wrong in one log line, without a stack trace, and exits with 1", async () => {
    const failed = await failedStart({ PORT: "70000", DATA_DIR: dataDir() });
    expect(failed.exit).toBe(1);
    expect(failed.logs).toEqual([
      expect.objectContaining({ level: 60, msg: expect.stringMatching(/^invalid configuration: PORT: /) }),
    ]);
  });

  it("names a DATA_DIR another server holds, and a port another process listens on", async () => {
    const dir = dataDir();
    const first = await startServerProcess({ PORT: "0", DATA_DIR: dir });
    running.push(first);

    const sameDir = await failedStart({ PORT: "0", DATA_DIR: dir });
    expect(sameDir.exit).toBe(1);
    expect(sameDir.logs).toEqual([
      expect.objectContaining({ level: 60, msg: expect.stringContaining(`DATA_DIR ${dir} is in use`) }),
    ]);

    const samePort = await failedStart({ PORT: String(first.port), DATA_DIR: dataDir() });
    expect(samePort.exit).toBe(1);
    expect(samePort.logs).toEqual([
      expect.objectContaining({
        level: 60,
        msg: `HOST 127.0.0.1 PORT ${first.port} is in use by another process`,
      }),
    ]);
  });

  // A .invalid name never resolves (RFC 6761); where DNS does not answer at all it is EAI_AGAIN instead.
  it("says in one line that a HOST does not resolve", async () => {
    const failed = await failedStart({ PORT: "0", HOST: "no-such-host.invalid", DATA_DIR: dataDir() });
    expect(failed.exit).toBe(1);
    expect(failed.logs).toEqual([
      expect.objectContaining({
        level: 60,
        msg: expect.stringMatching(/^HOST no-such-host\.invalid PORT 0 is a name that /),
      }),
    ]);
  });

  it("refuses a Redis that would evict keys, naming maxmemory-policy in one line", async () => {
    const redis = await startRedis();
    try {
      const admin = createRedisClient(redis.url);
      await admin.connect();
      await admin.configSet("maxmemory-policy", "allkeys-lru");
      await admin.close();

      const failed = await failedStart({ PORT: "0", REDIS_URL: redis.url });
      expect(failed.exit).toBe(1);
      expect(failed.logs).toEqual([
        expect.objectContaining({
          level: 60,
          msg: expect.stringMatching(/^Redis's maxmemory-policy is allkeys-lru: .* set it to noeviction$/),
        }),
      ]);
    } finally {
      await redis.stop();
    }
  });

  it("warns a Redis node started without NODE_ID that polling behind a proxy needs one, and names it when given", async () => {
    const redis = await startRedis();
    try {
      const unnamed = await startServerProcess({ PORT: "0", REDIS_URL: redis.url });
      running.push(unnamed);
      expect(unnamed.logs).toContainEqual(
        expect.objectContaining({ level: 40, msg: expect.stringContaining("NODE_ID") }),
      );
      const named = await startServerProcess({ PORT: "0", REDIS_URL: redis.url, NODE_ID: "n2" });
      running.push(named);
      expect(named.logs.filter((line) => line.level === 40)).toEqual([]);
      expect(named.logs).toContainEqual(expect.objectContaining({ msg: "listening", nodeId: "n2" }));
    } finally {
      for (const server of running.splice(0)) await server.kill("SIGTERM");
      await redis.stop();
    }
  });
});
