import { SERVER_EVENTS } from "@chat/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openRedisStorage, type RedisStorageOptions } from "../server/src/storage/redis/index.js";
import { capturedLog } from "../server/src/test-support/captured-log.js";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { type RunningChat, startChat } from "../server/src/test-support/chat-server.js";
import { type RunningRedis, startRedis } from "../server/src/test-support/redis-server.js";
import { startTcpRelay, type TcpRelay } from "../server/src/test-support/tcp-relay.js";

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

// Each test's servers go with it: left running, the connections they open again after a stall would reach
// the relay among the next test's, whose numbers the tests rely on to pick the one to stall.
afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  for (const chat of chats.splice(0)) await chat.close();
});

afterAll(async () => {
  await relay?.close();
  await redis?.stop();
});

/**
 * A chat server on the shared keys, through the relay unless given another way to Redis, which has its
 * clients catch up when broadcasts were lost to it, as main.ts does. No message limit: a test may write
 * faster than a person.
 */
async function startNode(
  redisUrl = `redis://127.0.0.1:${relay.port}`,
  options: RedisStorageOptions = {},
): Promise<RunningChat> {
  const storage = await openRedisStorage(redisUrl, {
    keyPrefix: "stall:",
    stallMs: STALL_MS,
    // Heartbeats every NODE_TTL_MS / 3 keep writing to the stalled connection, as they do in production
    // (every 3.3 s against a 10 s stall timeout): a quiet socket cannot show this stall, unanswered pings must.
    nodeTtlMs: NODE_TTL_MS,
    log,
    onBroadcastsMissed: () => chat.server.resync(),
    ...options,
  });
  const chat = await startChat({
    storage,
    adapter: storage.createAdapter(),
    logger: log,
    limits: { messagesPerSecond: 0 },
  });
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
  await to.waitFor(SERVER_EVENTS.message, (m) => m.text === text, 20_000);
}

/** The adapter's readers start a moment after the servers: the first probes may go unseen. */
async function untilBroadcastsFlow(from: ChatUser, to: ChatUser): Promise<void> {
  await expect
    .poll(
      async () => {
        const text = `warm-up ${Date.now()}`;
        await from.send(null, text);
        return to
          .waitFor(SERVER_EVENTS.message, (m) => m.text === text, 500)
          .then(
            () => true,
            () => false,
          );
      },
      { timeout: 10_000 },
    )
    .toBe(true);
}

/** A server's io as these tests use it: with an event between servers that the chat itself never sends. */
interface ProbingIo {
  serverSideEmit(event: "probe", text: string, ack?: (err: Error | null, answers: string[]) => void): boolean;
  on(event: "probe", listener: (text: string, answer?: (reply: string) => void) => void): void;
}
const probing = (chat: RunningChat) => chat.server.io as unknown as ProbingIo;
const WARM_UP = "warm-up";

/** The probes `chat` hears from the other servers, in order; it answers those that wait for an answer. */
function heardBy(chat: RunningChat): string[] {
  const heard: string[] = [];
  probing(chat).on("probe", (text, answer) => {
    heard.push(text);
    answer?.(`${text}: answered`);
  });
  return heard;
}

/** Once `heard` has a probe emitted by `from`, the listening server's reader is up and it knows `from`. */
async function untilProbesFlow(from: RunningChat, heard: string[]): Promise<void> {
  await expect
    .poll(
      () => {
        probing(from).serverSideEmit("probe", WARM_UP);
        return heard.includes(WARM_UP);
      },
      { timeout: 10_000 },
    )
    .toBe(true);
}

describe("a server whose Redis connections stop answering without closing", () => {
  it("opens them again by itself, even while it keeps writing, so that sends and broadcasts between servers carry on", async () => {
    const [a, b] = [await startNode(), await startNode()];
    const ann = await login(a, "Ann");
    const bob = await login(b, "Bob");
    await untilBroadcastsFlow(ann, bob);

    expect(relay.stallAll()).toBeGreaterThanOrEqual(4);
    // Both ways: what Ann sends must be stored by A's connection and read by B's reader, and back.
    await deliveredAcross(ann, bob, "after the stall, from Ann");
    await deliveredAcross(bob, ann, "after the stall, from Bob");
    expect(lines.some((line) => line.msg === "redis stopped answering; connecting again")).toBe(true);
  });

  it("delivers to the other server's users, late but without a reconnect, what was sent while only its publisher stalled", async () => {
    const before = relay.accepted;
    // A's store connection is the relay's next one, its broadcasts' publisher the one after.
    const a = await startNode();
    const b = await startNode(redis.url);
    const cleo = await login(a, "Cleo");
    const dan = await login(b, "Dan");
    await untilBroadcastsFlow(cleo, dan);
    expect(relay.stallWhere((n) => n === before + 2)).toBe(1);

    const texts = ["while publishing stalled 1", "while publishing stalled 2", "while publishing stalled 3"];
    for (const text of texts) expect((await cleo.send(null, text)).ok).toBe(true);
    // Dan stayed connected throughout: nothing would make his client ask for what it missed.
    for (const text of texts) await dan.waitFor(SERVER_EVENTS.message, (m) => m.text === text, 20_000);
    expect(dan.events.filter(({ event }) => event === SERVER_EVENTS.session)).toHaveLength(1);
  });

  it("does not send again a request to the other servers that awaits their answers: it times out, while an emit without one arrives late", async () => {
    const before = relay.accepted;
    const a = await startNode();
    const b = await startNode(redis.url);
    const [heardOnA, heardOnB] = [heardBy(a), heardBy(b)];
    await untilProbesFlow(a, heardOnB);
    // A has heard from B: its request below waits for B's answer instead of being answered at once.
    await untilProbesFlow(b, heardOnA);
    // The request's PUBLISH stalls A's publisher, as above: not sooner, or Socket.IO's count of the servers
    // to wait for, asked on the same connection just before, would fail instead of the publish.
    const stalled = relay.stallOnSending("request while publishing stalled", 5_000);
    const request = new Promise<[Error | null, string[]]>((resolve) =>
      probing(a).serverSideEmit("probe", "request while publishing stalled", (err, answers) =>
        resolve([err, answers]),
      ),
    );
    expect(await stalled).toBe(before + 2);
    // Its stall is noticed and the connection opened again: both publishes fail, the request's first.
    probing(a).serverSideEmit("probe", "emit while publishing stalled");
    await expect
      .poll(() => heardOnB.includes("emit while publishing stalled"), { timeout: 20_000 })
      .toBe(true);
    // Both publishes failed together and would be tried again in that order, on one connection: had the
    // request been sent again, Redis would have passed it on to B before it took the emit.
    expect(heardOnB.filter((text) => text !== WARM_UP)).toEqual(["emit while publishing stalled"]);
    // Socket.IO gives up on the request at its own deadline, unanswered.
    const [err, answers] = await request;
    expect(err?.message).toMatch(/^timeout reached/);
    expect(answers).toEqual([]);
  });
});

describe("a server cut from Redis for a moment", () => {
  it("gives its users, once back, the messages and joins the other server sent meanwhile, though it had read none yet", async () => {
    const before = relay.accepted;
    const a = await startNode();
    const b = await startNode(redis.url);
    // Its store, its publisher, then the adapter's reader and subscriber, which start a moment later.
    await expect.poll(() => relay.accepted - before).toBe(4);
    const olga = await login(a, "Olga");
    const pete = await login(b, "Pete");
    await olga.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Pete");

    expect(relay.stallAll()).toBe(4);
    expect((await pete.send(null, "while A was cut")).ok).toBe(true);
    await login(b, "Quin");
    await pete.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Quin");
    // The partition ends in resets, and A connects again at once. Olga stayed connected throughout: nothing
    // would make her client ask for what it missed.
    relay.cutAll();
    await olga.waitFor(SERVER_EVENTS.message, (m) => m.text === "while A was cut", 10_000);
    await olga.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Quin", 10_000);
    expect(olga.events.filter(({ event }) => event === SERVER_EVENTS.session)).toHaveLength(1);
  });
});

describe("a server cut from Redis for longer than the stream keeps broadcasts", () => {
  it("closes its users' connections, so that their clients catch up, the online list whole", async () => {
    const before = relay.accepted;
    // Its own connections time out later than the others: it stays cut until the relay resets them, and
    // keeps its lease meanwhile (a server the others took for dead would close them for that reason).
    const a = await startNode(undefined, { streamMaxLen: 10, stallMs: 10_000, nodeTtlMs: 30_000 });
    const b = await startNode(redis.url, { streamMaxLen: 10 });
    await expect.poll(() => relay.accepted - before).toBe(4);
    const rita = await login(a, "Rita");
    const sam = await login(b, "Sam");
    await rita.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Sam");
    const disconnects: string[] = [];
    rita.socket.on("disconnect", (reason) => disconnects.push(reason));

    expect(relay.stallAll()).toBe(4);
    await login(b, "Tia");
    // Far more than the stream keeps: Redis trims it by whole blocks of 100 entries.
    for (let i = 0; i < 300; i += 20) {
      const batch = Array.from({ length: 20 }, (_, j) =>
        sam.send(null, `while Rita's server was away ${i + j}`),
      );
      expect((await Promise.all(batch)).every((ack) => ack.ok)).toBe(true);
    }
    relay.cutAll();
    await expect.poll(() => disconnects, { timeout: 10_000 }).toEqual(["transport close"]);
    // Her client resumes with the version of the list it holds, which A can no longer bring up to date:
    // it is sent the whole list, with who joined meanwhile.
    const back = await ChatUser.connect(a.url, { token: rita.token, presence: rita.presenceVersion });
    users.push(back);
    expect(back.events[1]?.event).toBe(SERVER_EVENTS.users);
    expect(back.online.has("Tia")).toBe(true);
  });
});

describe("a server whose Redis connection for broadcasts is reset again and again", () => {
  it("stays up, and the other server learns of every join made meanwhile", async () => {
    const before = relay.accepted;
    const a = await startNode();
    const b = await startNode(redis.url);
    const watcher = await login(b, "Watcher");
    await untilBroadcastsFlow(await login(a, "Starter"), watcher);
    // A's publisher was the relay's second connection from A; each reset, it comes back as the newest.
    let publisher = before + 2;
    const joined: string[] = [];
    for (let i = 0; i < 5; i++) {
      // The join's presence round is published to B into a connection that carries nothing, then reset
      // with the publish still unanswered.
      expect(relay.stallWhere((n) => n === publisher)).toBe(1);
      await login(a, `Joiner${i}`);
      joined.push(`Joiner${i}`);
      const reconnected = relay.nextConnection(5_000);
      expect(relay.cutWhere((n) => n === publisher)).toBe(1);
      await reconnected;
      publisher = relay.accepted;
    }
    await expect
      .poll(() => joined.filter((name) => !watcher.online.has(name)), { timeout: 20_000 })
      .toEqual([]);
  });
});
