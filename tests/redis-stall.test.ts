import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRedisStorage } from "../server/src/storage/redis/index.js";
import { capturedLog } from "../server/src/test-support/captured-log.js";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { type RunningChat, startChat } from "../server/src/test-support/chat-server.js";
import { type RunningRedis, startRedis } from "../server/src/test-support/redis-server.js";
import { startTcpRelay, type TcpRelay } from "./support/tcp-relay.js";

/*
 * Two chat servers whose every Redis connection (the stores', the adapter's publisher and its blocking
 * readers) goes through a relay that can stop carrying bytes without closing anything: the network path
 * a partition or a frozen host leaves, which TCP would take a quarter of an hour to notice.
 */
const STALL_MS = 1000;
const NODE_TTL_MS = 1500;

let redis: RunningRedis;
let relay: TcpRelay;
const chats: RunningChat[] = [];
const users: ChatUser[] = [];
const { lines, log } = capturedLog();

beforeAll(async () => {
  redis = await startRedis();
  relay = await startTcpRelay(redis.port);
});

afterAll(async () => {
  for (const user of users.splice(0)) user.close();
  for (const chat of chats.splice(0)) await chat.close();
  await relay?.close();
  await redis?.stop();
});

async function startNode(): Promise<RunningChat> {
  const storage = await openRedisStorage(`redis://127.0.0.1:${relay.port}`, {
    keyPrefix: "stall:",
    stallMs: STALL_MS,
    // Heartbeats every NODE_TTL_MS / 3 keep writing to the stalled connection, as they do in production
    // (every 3.3 s against a 10 s stall timeout): a quiet socket cannot show this stall, unanswered pings must.
    nodeTtlMs: NODE_TTL_MS,
    log,
  });
  const chat = await startChat({ storage, adapter: storage.createAdapter(), logger: log });
  chats.push(chat);
  return chat;
}

async function login(chat: RunningChat, name: string): Promise<ChatUser> {
  const user = await ChatUser.login(chat.url, name);
  users.push(user);
  return user;
}

/** Sends (resending under one clientId until stored) until `to`, on the other server, gets the text. */
async function deliveredAcross(from: ChatUser, to: ChatUser, text: string): Promise<void> {
  await expect
    .poll(async () => (await from.send(null, text, `probe ${text}`)).ok, { timeout: 20_000, interval: 200 })
    .toBe(true);
  await to.waitFor("message", (m) => m.text === text, 20_000);
}

describe("a server whose Redis connections stop answering without closing", () => {
  it("opens them again by itself, even while it keeps writing, so that sends and broadcasts between servers carry on", async () => {
    const [a, b] = [await startNode(), await startNode()];
    const ann = await login(a, "Ann");
    const bob = await login(b, "Bob");
    // The adapter's readers start a moment after the servers: the first probe may go unseen.
    await expect
      .poll(
        async () => {
          const text = `warm-up ${Date.now()}`;
          await ann.send(null, text);
          return bob
            .waitFor("message", (m) => m.text === text, 500)
            .then(
              () => true,
              () => false,
            );
        },
        { timeout: 10_000 },
      )
      .toBe(true);

    expect(relay.stallAll()).toBeGreaterThanOrEqual(4);
    // Both ways: what Ann sends must be stored by A's connection and read by B's reader, and back.
    await deliveredAcross(ann, bob, "after the stall, from Ann");
    await deliveredAcross(bob, ann, "after the stall, from Bob");
    expect(lines.some((line) => line.msg === "redis stopped answering; connecting again")).toBe(true);
  });
});
