import { CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { ChatServerOptions } from "../app.js";
import { openRedisStorage, type RedisStorage } from "../storage/redis/index.js";
import { ChatUser } from "./chat-client.js";
import { type RunningChat, startChat } from "./chat-server.js";
import { type RunningRedis, startRedis } from "./redis-server.js";

export interface ClusterNode {
  chat: RunningChat;
  storage: RedisStorage;
}

/** One node's chat server options, its lease, and its way to Redis: the shared server's, or a relay to it. */
export type NodeOptions = Partial<ChatServerOptions> & { nodeTtlMs?: number; redisUrl?: string };

export interface TwoServersOnRedis {
  /** The redis-server they share; set once `beforeAll` has run. */
  readonly redis: RunningRedis;
  /**
   * Two chat servers on the Redis, with keys of their own. Resolves once broadcasts flow both ways: a
   * Redis Streams adapter reads only what is added after its reader started, a moment after the server.
   * Each gets `options`, overridden by its own entry of `perNode`: say, a shorter lease, or a relay to Redis.
   */
  start(options?: NodeOptions, perNode?: [NodeOptions, NodeOptions]): Promise<[ClusterNode, ClusterNode]>;
  connect(node: ClusterNode, auth: Record<string, unknown>): Promise<ChatUser>;
  /** Closes the user after the test, with those of `connect`. */
  track(user: ChatUser): ChatUser;
}

/** For a test file: a redis-server for all its tests; servers and users of each test closed after it. */
export function twoServersOnRedis(): TwoServersOnRedis {
  let redis: RunningRedis | undefined;
  let clusters = 0;
  const nodes: ClusterNode[] = [];
  const users: ChatUser[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const user of users.splice(0)) user.close();
    for (const node of nodes.splice(0)) await node.chat.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const fixture: TwoServersOnRedis = {
    get redis() {
      if (!redis) throw new Error("redis-server is started in beforeAll");
      return redis;
    },
    async start(options = {}, perNode = [{}, {}]) {
      const keyPrefix = `cluster${++clusters}:`;
      const start = async (own: NodeOptions): Promise<ClusterNode> => {
        const { nodeTtlMs, redisUrl = fixture.redis.url, ...chatOptions } = { ...options, ...own };
        const storage = await openRedisStorage(redisUrl, { keyPrefix, nodeTtlMs });
        const chat = await startChat({ ...chatOptions, storage, adapter: storage.createAdapter() });
        const node = { chat, storage };
        nodes.push(node);
        return node;
      };
      const [a, b] = [await start(perNode[0]), await start(perNode[1])];
      await untilBroadcastsFlow(a, b);
      await untilBroadcastsFlow(b, a);
      return [a, b];
    },
    async connect(node, auth) {
      return fixture.track(await ChatUser.connect(node.chat.url, auth));
    },
    track(user) {
      users.push(user);
      return user;
    },
  };
  return fixture;
}

async function untilBroadcastsFlow(from: ClusterNode, to: ClusterNode): Promise<void> {
  const probe = await ChatUser.login(to.chat.url, `probe${from.chat.port}`);
  await expect
    .poll(
      async () => {
        from.chat.server.io.to(probe.socket.id ?? "").emit(SERVER_EVENTS.users, { users: [], v: "probe" });
        return probe
          .next(SERVER_EVENTS.users, () => true, 250)
          .then(
            () => true,
            () => false,
          );
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  // Logged out, not just gone: it must not linger in the online list for a grace window.
  const gone = new Promise((resolve) => probe.socket.once("disconnect", resolve));
  probe.socket.emit(CLIENT_EVENTS.logout);
  await gone;
}
