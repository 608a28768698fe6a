import { once } from "node:events";
import { SERVER_EVENTS } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import { createClient } from "redis";
import { describe, expect, it, vi } from "vitest";
import { newToken } from "./sessions/tokens.js";
import { ChatUser, fence, sent } from "./test-support/chat-client.js";
import { storeCalls } from "./test-support/prometheus-text.js";
import { twoServersOnRedis } from "./test-support/redis-cluster.js";

const cluster = twoServersOnRedis();
const { connect } = cluster;

/** Every key and value in Redis as text, strings also base64-decoded (the adapter keeps sessions so). */
async function everythingInRedis(): Promise<string> {
  const client = createClient({ url: cluster.redis.url });
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

describe("two chat servers sharing one Redis", () => {
  it("deliver a group message from a user on one to a user on the other exactly once", async () => {
    const [a, b] = await cluster.start();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    await bob.receivedIds([sent(await ann.send(null, "hello from A")).id]);
    // One stream carries both, in order: once the fence is there, a second copy would be too.
    await fence(ann, bob);
    expect(texts(bob)).toEqual(["hello from A", "fence"]);
    expect(texts(ann)).toEqual([]);
  });

  it("deliver a private message to its recipient on the other server, and only to them", async () => {
    const [a, b] = await cluster.start();
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
    const [a, b] = await cluster.start();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    const cid = await connect(a, { name: "Cid" });
    const as = (user: ChatUser) => ({
      id: user.id,
      name: user.name,
      key: uniqueNameKey(user.name),
    });
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
    const [a] = await cluster.start();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(a, { name: "Bob" });
    const [first, again] = await Promise.all([ann.send("Bob", "once", "k2"), ann.send("Bob", "once", "k2")]);
    expect(sent(again)).toEqual(sent(first));
    await fence(ann, bob);
    expect(texts(bob)).toEqual(["once", "fence"]);
  });

  it("give two attempts of one login under way at once, one on each, the same session and one join", async () => {
    const [a, b] = await cluster.start();
    const cid = await connect(a, { name: "Cid" });
    // The attempt on A stores its session only once the one on B has claimed the name too.
    let claimedOnB = () => {};
    const bothClaimed = new Promise<void>((resolve) => {
      claimedOnB = resolve;
    });
    const claim = b.storage.presence.claim.bind(b.storage.presence);
    vi.spyOn(b.storage.presence, "claim").mockImplementation(async (user, windowMs) => {
      const result = await claim(user, windowMs);
      if (user.name === "Ann") claimedOnB();
      return result;
    });
    const create = a.storage.sessions.create.bind(a.storage.sessions);
    vi.spyOn(a.storage.sessions, "create").mockImplementation(async (...args) => {
      await bothClaimed;
      return create(...args);
    });

    const auth = { name: "Ann", newToken: newToken() };
    const [onA, onB] = await Promise.all([connect(a, auth), connect(b, auth)]);
    expect(onA.session).toMatchObject({ name: "Ann", token: auth.newToken });
    expect(onB.session).toEqual(onA.session);
    await cid.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Ann");
    await fence(onB, cid);
    expect(cid.events.filter((e) => e.event === SERVER_EVENTS.joined).map((e) => e.payload)).toEqual([
      expect.objectContaining({ name: "Ann", id: onA.session?.id }),
    ]);
  });

  it("keep every token out of Redis, which holds sessions only by the token's hash", async () => {
    const [a, b] = await cluster.start();
    const ann = await connect(a, { name: "Ann" });
    const bob = await ChatUser.connect(b.chat.url, { name: "Bob" }, { transports: ["polling"] });
    cluster.track(bob);
    const cid = await connect(a, { name: "Cid" });
    await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Cid");
    const redisHolds = await everythingInRedis();
    expect(redisHolds).toContain("Ann");
    for (const user of [ann, bob, cid]) expect(redisHolds).not.toContain(user.token);
  });

  it("run an identity's reads one at a time across all its tabs, so many sent at once cost Redis only a few", async () => {
    // Unlike SQLite's, a Redis read waits on the network, so reads from several tabs would overlap.
    const [a] = await cluster.start({ limits: { messagesPerSecond: 0, readsPerSecond: 10, readBurst: 0 } });
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(a, { name: "Bob" });
    const tabs = [
      bob,
      ...(await Promise.all(Array.from({ length: 5 }, () => connect(a, { token: bob.token })))),
    ];
    await Promise.all(Array.from({ length: 70 }, () => ann.send(null, "x".repeat(4000))));
    const before = await storeCalls(a.chat.url, "visibleAfter");
    // 60 full sync pages, ten from each tab: the first spends the identity's reads, and the rest are
    // refused without touching the store, whichever tab sent them.
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => tabs[i % tabs.length]?.sync(0)));
    const answered = answers.filter((ack) => ack?.ok).length;
    expect(answered).toBeGreaterThan(0);
    expect((await storeCalls(a.chat.url, "visibleAfter")) - before).toBeLessThanOrEqual(answered + 1);
  });

  it("never recover a reconnect, so a client catches up by sync and misses nothing sent meanwhile", async () => {
    const [a, b] = await cluster.start({ limits: { messagesPerSecond: 0, messageBurst: 0 } });
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
});
