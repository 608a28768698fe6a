import { uniqueNameKey } from "@chat/shared/name-skeleton";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningRedis, startRedis } from "../../test-support/redis-server.js";
import { CLAIM_WINDOW_MS } from "../../test-support/storage-fixtures.js";
import type { User } from "../../users.js";
import { describeStorageContract } from "../storage.contract.js";
import { openRedisStorage, type RedisStorage, type RedisStorageOptions } from "./index.js";

let redis: RunningRedis;
let prefixes = 0;
const freshPrefix = () => `test${++prefixes}:`;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describeStorageContract("Redis", () => {
  // Each backend its own keys: the same data when reopened, nothing of the other tests.
  const keyPrefix = freshPrefix();
  return { open: () => openRedisStorage(redis.url, { keyPrefix }) };
});

const user = (id: string, name: string): User => ({ id, name, key: uniqueNameKey(name) });
/** Long enough for leases (here 300 ms to 3 s) to lapse, be renewed, and grace windows to pass. */
const LEASE_LAPSES = { timeout: 10_000 };
const names = (users: User[]) => users.map((u) => u.name).sort();

describe("sessions ended by an earlier release", () => {
  it("stay ended, their tokens used, naming no user: that release kept only the marker", async () => {
    const keyPrefix = freshPrefix();
    const storage = await openRedisStorage(redis.url, { keyPrefix });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const ann = user("ann", "Ann");
      await storage.sessions.create(ann, "hash-ann", 1);
      await storage.sessions.end(ann.id, 2);
      await raw.del(`${keyPrefix}session:ended:hash-ann`);
      expect(await storage.sessions.findEndedByTokenHash("hash-ann")).toBeNull();
      expect(await storage.sessions.findByTokenHash("hash-ann")).toBeNull();
      expect(await storage.sessions.tokenUsed("hash-ann")).toBe(true);
      expect(await storage.sessions.create(user("other", "Ann"), "hash-ann", 3)).toBe(false);
    } finally {
      await storage.close();
      await raw.close();
    }
  });
});

describe("one Redis shared by several processes", () => {
  const opened: RedisStorage[] = [];
  let keyPrefix: string;

  /** One process's storage; all of a test's share its keys. */
  async function node(options: RedisStorageOptions = {}): Promise<RedisStorage> {
    const storage = await openRedisStorage(redis.url, { keyPrefix, ...options });
    opened.push(storage);
    return storage;
  }

  beforeAll(() => {
    keyPrefix = freshPrefix();
  });

  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    keyPrefix = freshPrefix();
  });

  it("gives a name claimed on two processes at once to exactly one user", async () => {
    const [a, b] = [await node(), await node()];
    const rivals = Array.from({ length: 10 }, (_, i) => user(`rival${i}`, "Same"));
    const results = await Promise.all(
      rivals.map((rival, i) => (i % 2 ? a : b).presence.claim(rival, CLAIM_WINDOW_MS)),
    );
    expect(results.filter((result) => result === "joined")).toHaveLength(1);
    const winner = rivals[results.indexOf("joined")];
    expect(await a.presence.holderOf(uniqueNameKey("same"))).toEqual(winner);
    expect(await b.presence.holderOf(uniqueNameKey("same"))).toEqual(winner);
  });

  it("writes a burst larger than one script's share in send order", async () => {
    const storage = await node();
    const ann = user("ann", "Ann");
    const sends = Array.from({ length: 1_200 }, (_, i) =>
      storage.messages.append({ from: ann, to: null, text: `m${i}`, clientId: `c${i}`, sentAt: i }),
    );
    const ids = (await Promise.all(sends)).map((result) => result.message.id);
    expect(ids).toEqual(Array.from({ length: 1_200 }, (_, i) => (ids[0] ?? 0) + i));
    const stored = await storage.messages.visibleAfter("someone", null, 2_000);
    expect(stored.map((m) => m.text)).toEqual(Array.from({ length: 1_200 }, (_, i) => `m${i}`));
  });

  it("has a resend deliver a message whose process died between storing and fanning it out", async () => {
    const [dead, alive] = [await node(), await node()];
    const ann = user("ann", "Ann");
    const send = { from: ann, to: null, text: "last words", clientId: "c1", sentAt: 1 };
    const stored = await dead.messages.append(send);
    // The first process never got to `delivered`: the resend on the other one must fan it out.
    expect(await alive.messages.append(send)).toEqual({ ...stored, duplicate: true, undelivered: true });
    await alive.messages.delivered(stored.message.id);
    expect(await alive.messages.append(send)).toEqual({ ...stored, duplicate: true, undelivered: false });
  });

  it("counts rate limits across processes: a budget spent on one is spent on the other", async () => {
    const [a, b] = [await node(), await node()];
    const spec = { name: "sends", points: 2, durationS: 10 };
    await a.limiters(spec).consume("ann");
    await b.limiters(spec).consume("ann");
    await expect(a.limiters(spec).consume("ann")).rejects.toMatchObject({ remainingPoints: 0 });
    await expect(b.limiters(spec).consume("bob")).resolves.toMatchObject({ remainingPoints: 1 });
  });

  it("refuses a spent budget without asking Redis again until its window ends", async () => {
    const limiter = (await node()).limiters({ name: "sends", points: 3, durationS: 10 });
    for (let i = 0; i < 3; i++) await limiter.consume("ann");
    for (let i = 0; i < 5; i++)
      await expect(limiter.consume("ann")).rejects.toMatchObject({ remainingPoints: 0 });
    const reader = await createClient({ url: redis.url }).connect();
    try {
      // Each refusal that reached Redis would have counted there: 8 points.
      expect(await reader.get(`${keyPrefix}limit:sends:ann`)).toBe("3");
    } finally {
      reader.destroy();
    }
  });

  it("orders the messages of every process in one sequence, each id once", async () => {
    const [a, b] = [await node(), await node()];
    const ann = user("ann", "Ann");
    const sends = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? a : b).messages.append({ from: ann, to: null, text: `m${i}`, clientId: `c${i}`, sentAt: i }),
    );
    const ids = (await Promise.all(sends)).map((result) => result.message.id);
    expect(new Set(ids).size).toBe(40);
    const seen = await b.messages.visibleAfter("someone", null, 100);
    expect(seen.map((m) => m.id)).toEqual([...ids].sort((x, y) => x - y));
  });

  it("stops counting the sockets of a process that no longer renews its lease", async () => {
    const [a, b] = [await node({ nodeTtlMs: 300 }), await node()];
    const ann = user("ann", "Ann");
    await a.presence.claim(ann, CLAIM_WINDOW_MS);
    await a.presence.attach(ann.id, "s1");
    expect(await b.presence.connectionCount(ann.id)).toBe(1);
    // Closing the storage alone stops the heartbeat and leaves the socket recorded, as a crash does.
    await a.close();
    await expect.poll(() => b.presence.connectionCount(ann.id), LEASE_LAPSES).toBe(0);
    expect(await b.presence.online()).toEqual([ann]);
  });

  it("gives the users a dead process left listed a grace window, then releases those not back", async () => {
    const [a, b] = [await node({ nodeTtlMs: 300 }), await node()];
    const [ann, bob, cid, dan] = [
      user("ann", "Ann"),
      user("bob", "Bob"),
      user("cid", "Cid"),
      user("dan", "Dan"),
    ];
    for (const listed of [ann, bob, cid]) await a.presence.claim(listed, CLAIM_WINDOW_MS);
    // Bob and Dan were claimed, but the process died before their sockets counted in: each is in the
    // window his claim started, Dan's already over when the sweep comes.
    await a.presence.claim(dan, 1);
    await a.presence.attach(ann.id, "s1");
    await a.presence.attach(cid.id, "s2");
    await a.close();
    await expect.poll(() => b.presence.connectionCount(ann.id), LEASE_LAPSES).toBe(0);

    // Only sweeps release anyone here: nothing changes between these calls but what the test does.
    const first = await b.presence.sweep?.(400);
    expect(names(first?.released ?? [])).toEqual(["Dan"]);
    expect(names(first?.away ?? [])).toEqual(["Ann", "Cid"]);
    const online = await b.presence.online();
    expect(names(online)).toEqual(["Ann", "Bob", "Cid"]);
    expect(names(online.filter(({ away }) => away))).toEqual(["Ann", "Cid"]);
    expect(await b.presence.attach(cid.id, "s3")).toBe("back");
    const released: User[] = [];
    const awayAgain: User[] = [];
    await expect
      .poll(async () => {
        const swept = await b.presence.sweep?.(400);
        awayAgain.push(...(swept?.away ?? []));
        released.push(...(swept?.released ?? []));
        return released.length;
      }, LEASE_LAPSES)
      .toBeGreaterThanOrEqual(1);
    expect(awayAgain).toEqual([]);
    expect(names(released)).toEqual(["Ann"]);
    expect(names(await b.presence.online())).toEqual(["Bob", "Cid"]);
    expect(await b.presence.holderOf(ann.key)).toBeNull();
    expect(await b.presence.holderOf(dan.key)).toBeNull();
  });

  it("counts a process's sockets in again when its lease lapsed while it lived, and says who is back", async () => {
    // Heartbeats every 20 s: here each process takes its lease back only when its own sweep does.
    const [a, b] = [await node({ nodeTtlMs: 60_000 }), await node({ nodeTtlMs: 60_000 })];
    const [ann, bob] = [user("ann", "Ann"), user("bob", "Bob")];
    const back: User[] = [];
    a.presence.onLeaseRestored?.({ back: (returned) => back.push(returned), unlisted: () => undefined });
    for (const [store, listed] of [
      [a, ann],
      [b, bob],
    ] as const) {
      await store.presence.claim(listed, CLAIM_WINDOW_MS);
      await store.presence.attach(listed.id, "s1");
    }
    // As if Redis had come back from a restart that outlasted every lease: all processes look dead.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.del(await admin.keys(`${keyPrefix}node:*`));
    await admin.close();
    expect(await b.presence.connectionCount(ann.id)).toBe(0);
    // A sweep takes its own lease first: only the other process's user is marked away.
    expect(names((await b.presence.sweep?.(60_000))?.away ?? [])).toEqual(["Ann"]);
    await a.presence.sweep?.(60_000);
    expect(await b.presence.connectionCount(ann.id)).toBe(1);
    expect(back).toEqual([ann]);
    expect((await b.presence.online()).filter(({ away }) => away)).toEqual([]);
  });

  it("gives up the sockets of users released while its lease had lapsed, whose names anyone may take now", async () => {
    // A's heartbeat waits 20 s: here A takes its lease back only when its own sweep does, below.
    const [a, b] = [await node({ nodeTtlMs: 60_000 }), await node()];
    const ann = user("ann", "Ann");
    const unlisted: string[] = [];
    a.presence.onLeaseRestored?.({ back: () => undefined, unlisted: (socketId) => unlisted.push(socketId) });
    await a.presence.claim(ann, CLAIM_WINDOW_MS);
    await a.presence.attach(ann.id, "s1");
    // A cut off from Redis past its lease and a grace window: B releases Ann, as a dead process's user.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.del(await admin.keys(`${keyPrefix}node:*`));
    await admin.close();
    const released: User[] = [];
    await expect
      .poll(async () => {
        released.push(...((await b.presence.sweep?.(1))?.released ?? []));
        return names(released);
      }, LEASE_LAPSES)
      .toEqual(["Ann"]);
    await a.presence.sweep?.(60_000);
    expect(unlisted).toEqual(["s1"]);
    expect(await b.presence.online()).toEqual([]);
  });

  it("marks away, by any process's sweep, a user whose away clock stopped with the process timing it", async () => {
    const [a, b] = [await node(), await node()];
    const [ann, bob] = [user("ann", "Ann"), user("bob", "Bob")];
    for (const listed of [ann, bob]) {
      await a.presence.claim(listed, CLAIM_WINDOW_MS);
      await a.presence.attach(listed.id, "s1");
      await a.presence.detach(listed.id, "s1");
    }
    // A stopped (SIGTERM) right after starting both windows: nothing on A will ring for them.
    await a.presence.startGrace(ann.id, 60_000, 1_000);
    await a.presence.startGrace(bob.id, 60_000, null);
    expect((await b.presence.sweep?.(60_000))?.away).toEqual([]);
    const away: User[] = [];
    await expect
      .poll(async () => {
        away.push(...((await b.presence.sweep?.(60_000))?.away ?? []));
        return names(away);
      }, LEASE_LAPSES)
      .toEqual(["Ann"]);
    // Once only, and a socket back ends it as usual.
    expect((await b.presence.sweep?.(60_000))?.away).toEqual([]);
    expect(await b.presence.attach(ann.id, "s2")).toBe("back");
  });

  it("holds a bounded number of commands while Redis stalls, refusing the rest at once as unreachable", async () => {
    const storage = await node({ maxQueuedCommands: 10 });
    const outcomes: string[] = [];
    redis.pause();
    try {
      for (let i = 0; i < 30; i++) {
        storage.presence.connectionCount(`nobody${i}`).then(
          () => outcomes.push("answered"),
          (error: unknown) => outcomes.push(storage.unreachable(error) ? "unreachable" : String(error)),
        );
      }
      // Refused without waiting for Redis: the ones beyond what the client holds.
      await expect.poll(() => outcomes.length).toBeGreaterThanOrEqual(20);
      expect(new Set(outcomes)).toEqual(new Set(["unreachable"]));
    } finally {
      redis.resume();
    }
    // The ones it held are answered once Redis is back.
    await expect.poll(() => outcomes.length, LEASE_LAPSES).toBe(30);
    expect(outcomes.filter((outcome) => outcome === "answered").length).toBeGreaterThan(0);
  });
});
