import { once } from "node:events";
import { ErrorCode, nameKey, type SessionInfo, type UserSummary } from "@chat/shared";
import { createClient } from "redis";
import { io } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatServerOptions } from "./app.js";
import { openRedisStorage, type RedisStorage } from "./storage/redis/index.js";
import { ChatUser, type ClientSocket, fence, Refused, sent } from "./test-support/chat-client.js";
import { type RunningChat, startChat } from "./test-support/chat-server.js";
import { eventually } from "./test-support/eventually.js";
import { type RunningRedis, startRedis } from "./test-support/redis-server.js";

interface Node {
  chat: RunningChat;
  storage: RedisStorage;
}

let redis: RunningRedis;
let clusters = 0;
const nodes: Node[] = [];
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

async function connect(node: Node, auth: Record<string, unknown>): Promise<ChatUser> {
  const user = await ChatUser.connect(node.chat.url, auth);
  users.push(user);
  return user;
}

/**
 * Two chat servers on one Redis, with keys of their own. Resolves once broadcasts flow both ways: a
 * Redis Streams adapter reads only what is added after its reader started, a moment after the server.
 */
async function startCluster(
  options: Partial<ChatServerOptions> & { nodeTtlMs?: number } = {},
): Promise<[Node, Node]> {
  const keyPrefix = `cluster${++clusters}:`;
  const start = async (): Promise<Node> => {
    const storage = await openRedisStorage(redis.url, { keyPrefix, nodeTtlMs: options.nodeTtlMs });
    const chat = await startChat({ ...options, storage, adapter: storage.createAdapter() });
    const node = { chat, storage };
    nodes.push(node);
    return node;
  };
  const [a, b] = [await start(), await start()];
  await untilBroadcastsFlow(a, b);
  await untilBroadcastsFlow(b, a);
  return [a, b];
}

async function untilBroadcastsFlow(from: Node, to: Node): Promise<void> {
  const probe = await ChatUser.login(to.chat.url, `probe${from.chat.port}`);
  await eventually(async () => {
    from.chat.server.io.to(probe.socket.id ?? "").emit("users", { users: [] });
    return probe
      .next("users", () => true, 250)
      .then(
        () => true,
        () => false,
      );
  });
  // Logged out, not just gone: it must not linger in the online list for a grace window.
  const gone = new Promise((resolve) => probe.socket.once("disconnect", resolve));
  probe.socket.emit("logout");
  await gone;
}

/** Every key and value in Redis as text, strings also base64-decoded (the adapter keeps sessions so). */
async function everythingInRedis(): Promise<string> {
  const client = createClient({ url: redis.url });
  await client.connect();
  const values: string[] = [];
  try {
    for (const key of await client.keys("*")) {
      values.push(key);
      const type = await client.type(key);
      if (type === "string") {
        const value = (await client.get(key)) ?? "";
        values.push(value, Buffer.from(value, "base64").toString("latin1"));
      } else if (type === "hash") values.push(JSON.stringify(await client.hGetAll(key)));
      else if (type === "set") values.push(...(await client.sMembers(key)));
      else if (type === "zset") values.push(...(await client.zRange(key, 0, -1)));
      else if (type === "stream") values.push(JSON.stringify(await client.xRange(key, "-", "+")));
      // "none": the key expired after KEYS listed it.
      else if (type !== "none") throw new Error(`a ${type} at ${key}: read it too`);
    }
  } finally {
    await client.close();
  }
  return values.join("\n");
}

const texts = (user: ChatUser) => user.messages.map((m) => m.text);
/** The names in the full list the user got on connecting. */
async function firstList(user: ChatUser): Promise<string[]> {
  const { users } = await user.waitFor("users");
  return users.map((u) => u.name).sort();
}

describe("two chat servers sharing one Redis", () => {
  it("deliver a group message from a user on one to a user on the other exactly once", async () => {
    const [a, b] = await startCluster();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    await bob.receivedIds([sent(await ann.send(null, "hello from A")).id]);
    // One stream carries both, in order: once the fence is there, a second copy would be too.
    await fence(ann, bob);
    expect(texts(bob)).toEqual(["hello from A", "fence"]);
    expect(texts(ann)).toEqual([]);
  });

  it("deliver a private message to its recipient on the other server, and only to them", async () => {
    const [a, b] = await startCluster();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    const cid = await connect(b, { name: "Cid" });
    await bob.receivedIds([sent(await ann.send("Bob", "psst")).id]);
    await ann.receivedIds([sent(await bob.send("Ann", "yes?")).id]);
    await fence(ann, cid);
    expect(texts(cid)).toEqual(["fence"]);
    expect(await bob.history("Ann")).toMatchObject({
      ok: true,
      messages: [{ text: "psst" }, { text: "yes?" }],
    });
  });

  it("deliver a resend of a message never fanned out to whom it was for, whatever the resend names", async () => {
    const [a, b] = await startCluster();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    const cid = await connect(a, { name: "Cid" });
    const as = (user: ChatUser) => ({ id: user.session?.id ?? "", name: user.name, key: nameKey(user.name) });
    // Stored as by a process that died before its fan-out: nobody has it yet.
    const { message } = await b.storage.messages.append({
      from: as(ann),
      to: as(bob),
      text: "for Bob only",
      clientId: "k1",
      sentAt: Date.now(),
    });
    expect(sent(await ann.send("Cid", "for Cid instead", "k1"))).toEqual(message);
    await bob.receivedIds([message.id]);
    await fence(ann, cid);
    expect(texts(cid)).toEqual(["fence"]);
  });

  it("deliver a message sent twice at once with one clientId once", async () => {
    const [a] = await startCluster();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(a, { name: "Bob" });
    const [first, again] = await Promise.all([ann.send("Bob", "once", "k2"), ann.send("Bob", "once", "k2")]);
    expect(sent(again)).toEqual(sent(first));
    await fence(ann, bob);
    expect(texts(bob)).toEqual(["once", "fence"]);
  });

  it("list the same users on both, once each, also one with a tab on each", async () => {
    const [a, b] = await startCluster();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    await ann.waitFor("user:joined", (u) => u.name === "Bob");
    const annTab = await connect(b, { token: ann.token });
    expect(annTab.name).toBe("Ann");

    const cid = await connect(a, { name: "Cid" });
    const dee = await connect(b, { name: "Dee" });
    expect(await firstList(cid)).toEqual(["Ann", "Bob", "Cid"]);
    expect(await firstList(dee)).toEqual(["Ann", "Bob", "Cid", "Dee"]);
    await bob.waitFor("user:joined", (u) => u.name === "Dee");
    const joinedAnn = bob.events.filter(
      (e) => e.event === "user:joined" && (e.payload as UserSummary).name === "Ann",
    );
    expect(joinedAnn).toEqual([]);
    expect([...bob.online].sort()).toEqual(["Ann", "Bob", "Cid", "Dee"]);
  });

  it("never list again a user who logged out on one right after joining on the other", async () => {
    const [a, b] = await startCluster();
    const watchers = [await connect(a, { name: "WatchA" }), await connect(b, { name: "WatchB" })];
    const gone: string[] = [];
    for (let i = 0; i < 6; i++) {
      // A change on A just before, so that A's next round waits its turn while B announces at once.
      await connect(a, { name: `busy${i}` });
      // Logged out on B as soon as the login on A has its token, before A's round announces it.
      const passing: ClientSocket = io(a.chat.url, {
        auth: { name: `passing${i}` },
        transports: ["websocket"],
        forceNew: true,
      });
      const { token } = await new Promise<SessionInfo>((resolve) => passing.once("session", resolve));
      gone.push(`passing${i}`);
      await expect(ChatUser.connect(b.chat.url, { token, logout: true })).rejects.toThrow();
      passing.close();
    }
    // A join from each server after all that: once a watcher has both, every earlier round reached it.
    await connect(a, { name: "LastA" });
    await connect(b, { name: "LastB" });
    for (const watcher of watchers) {
      await watcher.waitFor("user:joined", (u) => u.name === "LastA");
      await watcher.waitFor("user:joined", (u) => u.name === "LastB");
      expect(gone.filter((name) => watcher.online.has(name))).toEqual([]);
    }
  });

  it("keep every token out of Redis, which holds sessions only by the token's hash", async () => {
    const [a, b] = await startCluster();
    const ann = await connect(a, { name: "Ann" });
    const bob = await ChatUser.connect(b.chat.url, { name: "Bob" }, { transports: ["polling"] });
    users.push(bob);
    const cid = await connect(a, { name: "Cid" });
    await bob.waitFor("user:joined", (u) => u.name === "Cid");
    const redisHolds = await everythingInRedis();
    expect(redisHolds).toContain("Ann");
    for (const user of [ann, bob, cid]) expect(redisHolds).not.toContain(user.token);
  });

  it("never recover a reconnect, so a client catches up by sync and misses nothing sent meanwhile", async () => {
    const [a, b] = await startCluster({ limits: { messagesPerSecond: 0, messageBurst: 0 } });
    const bob = await connect(a, { name: "Bob" });
    const ann = await connect(b, { name: "Ann" });
    let chatting = true;
    const sent: number[] = [];
    const chat = (async () => {
      while (chatting) {
        const ack = await ann.send(null, "while Bob comes and goes");
        if (ack.ok) sent.push(ack.message.id);
      }
    })();
    // Bob's network drops ten times while Ann writes; each time he comes back as a client must.
    for (let drop = 0; drop < 10; drop++) {
      const onServer = a.chat.server.io.of("/").sockets.get(bob.socket.id ?? "");
      if (!onServer) throw new Error("Bob has no socket on the server");
      const dropped = once(onServer, "disconnect");
      bob.socket.io.engine.close();
      await dropped;
      const back = new Promise((resolve) => bob.socket.once("connect", () => resolve(undefined)));
      bob.socket.connect();
      await back;
      // socket.io-client leaves `recovered` unset when the server offers no recovery at all.
      expect(bob.socket.recovered).toBeFalsy();
      for (let after = 0, more = true; more; ) {
        const page = await bob.sync(after);
        if (!page.ok) throw new Error(page.error.message);
        bob.messages.push(...page.messages);
        after = page.messages.at(-1)?.id ?? after;
        more = page.more;
      }
    }
    chatting = false;
    await chat;
    await bob.receivedIds(sent);
  });

  it("refuse on one server a name held on the other", async () => {
    const [a, b] = await startCluster();
    await connect(a, { name: "Ann" });
    const thief = await ChatUser.connect(b.chat.url, { name: "ANN" }).catch((err: Refused) => err);
    expect(thief).toBeInstanceOf(Refused);
    expect((thief as Refused).code).toBe(ErrorCode.NAME_TAKEN);
  });

  it("announce as gone, from the server still alive, the users of a server that died", async () => {
    const [a, b] = await startCluster({ presenceGraceMs: 300, presenceSweepMs: 100, nodeTtlMs: 300 });
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    expect(bob.online.has("Ann")).toBe(true);
    // A loses Redis for good, as a crashed process does: it can no longer record that Ann leaves.
    await a.storage.close();
    ann.close();
    await bob.next("user:left", (u) => u.name === "Ann");
    expect([...bob.online]).toEqual(["Bob"]);
    const late = await connect(b, { name: "Cid" });
    expect(await firstList(late)).toEqual(["Bob", "Cid"]);
    expect(await late.send("Ann", "still there?")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.USER_OFFLINE },
    });
  });
});
