import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatUser, Refused } from "../server/src/test-support/chat-client.js";
import { type RunningRedis, startRedis } from "../server/src/test-support/redis-server.js";
import { launchChromium } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

let redis: RunningRedis;
let node: ServerProcess;
const users: ChatUser[] = [];

const startNode = () =>
  startServerProcess({
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-outage-")),
    REDIS_URL: redis.url,
    // Short, so that a user who left during an outage is seen released within the test.
    PRESENCE_GRACE_MS: "1000",
    // What failed only because Redis was away is logged at debug level: the tests read those lines.
    LOG_LEVEL: "debug",
  });

beforeAll(async () => {
  redis = await startRedis();
  node = await startNode();
});

// What the node said is what explains a failure here: its timers and Redis's answers race the test.
beforeEach(({ onTestFailed }) => {
  onTestFailed(() =>
    console.error(
      node.logs
        .slice(-60)
        .map((line) => JSON.stringify(line))
        .join("\n"),
    ),
  );
});

afterAll(async () => {
  for (const user of users.splice(0)) user.close();
  await node?.kill("SIGTERM");
  await redis?.stop();
});

const status = async (path: string) => (await fetch(`${node.url}${path}`)).status;

describe("a server with Redis, while Redis is away", () => {
  it("answers every request at once, says when to try again, and carries on when Redis is back", async () => {
    const ann = await ChatUser.login(node.url, "Ann");
    users.push(ann);
    expect((await ann.send(null, "before the outage")).ok).toBe(true);

    await redis.halt();
    const during = await ann.send(null, "during the outage", "retried-1");
    expect(during).toMatchObject({
      ok: false,
      error: { code: "INTERNAL", retryAfterMs: expect.any(Number) },
    });
    // Probes get their answer: not ready, and the metrics that do not need Redis.
    expect(await status("/readyz")).toBe(503);
    const metrics = await fetch(`${node.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^chat_online_users nan$/im);
    // A login is refused with the same advice, not left waiting.
    const refused = await ChatUser.login(node.url, "Bea").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Refused);
    expect((refused as Refused).code).toBe("INTERNAL");
    expect((refused as Refused).data?.retryAfterMs).toEqual(expect.any(Number));

    await redis.restart();
    // The same send, retried with its clientId as a client does, goes through once Redis answers again.
    await expect
      .poll(async () => (await ann.send(null, "during the outage", "retried-1")).ok, { timeout: 20_000 })
      .toBe(true);
    expect(await status("/readyz")).toBe(200);
    const bea = await ChatUser.login(node.url, "Bea");
    users.push(bea);
    const history = await bea.history(null);
    expect(history.ok && history.messages.map((m) => m.text)).toEqual([
      "before the outage",
      "during the outage",
    ]);
  });

  it("releases a user whose connection closed while Redis was away, once it is back", async () => {
    const [dan, eve] = [await ChatUser.login(node.url, "Dan"), await ChatUser.login(node.url, "Eve")];
    users.push(dan, eve);
    await redis.halt();
    dan.close();
    // Expected while Redis is away: one quiet line, not an error per disconnect and per presence timer.
    await expect
      .poll(() => node.logs.some((line) => line.what === "disconnect" && line.msg === "store unreachable"))
      .toBe(true);
    await redis.restart();
    // Not listed for as long as the node runs: its disconnect reaches Redis, and the grace window runs.
    await eve.waitFor(SERVER_EVENTS.left, (u) => u.name === "Dan", 20_000);
    const back = await ChatUser.login(node.url, "Dan");
    users.push(back);
    expect(node.logs.filter((line) => Number(line.level) >= 50 && line.what !== undefined)).toEqual([]);
  });

  it("lets a login in the browser wait out the outage, and join by itself once Redis is back", async () => {
    const browser = await launchChromium();
    try {
      const ivy = await ChatPage.open(browser, node.url);
      await redis.halt();
      await ivy.join("Ivy");
      await ivy.page.getByTestId("login-error").getByText("briefly unavailable", { exact: false }).waitFor();
      await redis.restart();
      // No second click: the page tries again after the wait the server named.
      await ivy.page.getByTestId("my-name").getByText("Ivy", { exact: true }).waitFor({ timeout: 20_000 });
    } finally {
      await browser.close();
    }
  });

  it("ends every connection when Redis loses the chat's data, so that clients log in afresh", async () => {
    const cy = await ChatUser.login(node.url, "Cy");
    users.push(cy);
    const dropped = new Promise((resolve) => cy.socket.once("disconnect", resolve));
    // As a Redis restarted without its data would: names, sessions and the message counter are gone.
    execFileSync("redis-cli", ["-p", String(redis.port), "FLUSHALL"]);
    // Not "io server disconnect": the web client takes that for a logout in another tab, and says so.
    expect(await dropped).toBe("transport close");
    await expect
      .poll(() => node.logs.some((line) => String(line.msg).includes("redis lost the chat's data")))
      .toBe(true);

    // The session went with the data, so the token resumes nothing; a new login starts afresh.
    const resumed = await ChatUser.connect(node.url, { token: cy.token }).catch((err: unknown) => err);
    expect((resumed as Refused).code).toBe(ErrorCode.SESSION_EXPIRED);
    const again = await ChatUser.login(node.url, "Cy");
    users.push(again);
    expect((await again.send(null, "after the data was lost")).ok).toBe(true);
  });

  it("answers within a deadline while Redis is stalled, and a send retried after it is stored once", async () => {
    const fay = await ChatUser.login(node.url, "Fay");
    users.push(fay);
    // Stalled, not gone: the connection stays open and nothing is answered, which node-redis never
    // times out on its own.
    redis.pause();
    try {
      const [during, ready, refused] = await Promise.all([
        fay.send(null, "during the stall", "stalled-1"),
        status("/readyz"),
        ChatUser.login(node.url, "Gus").catch((err: unknown) => err),
      ]);
      expect(during).toMatchObject({
        ok: false,
        error: { code: "INTERNAL", retryAfterMs: expect.any(Number) },
      });
      expect(ready).toBe(503);
      expect((refused as Refused).code).toBe("INTERNAL");
      expect((refused as Refused).data?.retryAfterMs).toEqual(expect.any(Number));
      await expect
        .poll(() => node.logs.some((line) => String(line.msg).includes("unanswered past their deadline")))
        .toBe(true);
    } finally {
      redis.resume();
    }
    // The stalled send completes once Redis answers; the client's resend finds it instead of adding one.
    await expect
      .poll(async () => (await fay.send(null, "during the stall", "stalled-1")).ok, { timeout: 20_000 })
      .toBe(true);
    const history = await fay.history(null);
    expect(history.ok && history.messages.filter((m) => m.text === "during the stall")).toHaveLength(1);
  });

  it("shuts down on SIGTERM while Redis is stalled, exiting 1: what Redis did not confirm may be lost", async () => {
    const other = await startNode();
    const hal = await ChatUser.login(other.url, "Hal");
    users.push(hal);
    redis.pause();
    try {
      // Closing waits for Redis to confirm what it was sent, but only until the deadline.
      const stillRunning = new Promise((resolve) => setTimeout(resolve, 20_000, "still running"));
      expect(await Promise.race([other.kill("SIGTERM"), stillRunning])).toBe(1);
    } finally {
      redis.resume();
      await other.kill("SIGKILL");
    }
    expect(other.logs.some((line) => line.msg === "the store did not finish closing in time")).toBe(true);
  });

  it("exits at once, with 1 and a log line, on a second SIGTERM while the first waits for Redis", async () => {
    const other = await startNode();
    const ivy = await ChatUser.login(other.url, "Ivy");
    users.push(ivy);
    redis.pause();
    try {
      void other.kill("SIGTERM");
      await expect.poll(() => other.logs.some((line) => line.msg === "shutting down")).toBe(true);
      // Well within the store's deadline (5 s and more), which the first would otherwise wait out.
      const stillRunning = new Promise((resolve) => setTimeout(resolve, 3_000, "still running"));
      expect(await Promise.race([other.kill("SIGTERM"), stillRunning])).toBe(1);
    } finally {
      redis.resume();
      await other.kill("SIGKILL");
    }
    expect(other.logs).toContainEqual(
      expect.objectContaining({ level: 50, msg: expect.stringMatching(/^forced exit/) }),
    );
  });

  it("shuts down on SIGTERM without waiting for Redis to come back", async () => {
    await redis.halt();
    // A server waiting for Redis would never exit, and this test would time out.
    expect(await node.kill("SIGTERM")).toBe(0);
  });
});
