import { ErrorCode, SERVER_EVENTS, type SessionInfo, type UserSummary } from "@chat/shared";
import { io } from "socket.io-client";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { ChatUser, type ClientSocket, Refused } from "./test-support/chat-client.js";
import { type ClusterNode, twoServersOnRedis } from "./test-support/redis-cluster.js";
import { startTcpRelay } from "./test-support/tcp-relay.js";

const cluster = twoServersOnRedis();
const { connect } = cluster;

/**
 * `node`'s store reads for `method` only after `ms`, as a slow Redis would (what it reads is as of then);
 * returns the spy, to await its answers.
 */
function answerLate(node: ClusterNode, method: "holderOf" | "listedAmong" | "connectionCount", ms = 300) {
  const store = node.storage.presence;
  const read = store[method].bind(store) as (arg: never) => Promise<unknown>;
  return vi.spyOn(store, method).mockImplementation((async (arg: never) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return read(arg);
  }) as never);
}

/** The names in the full list the user got on connecting. */
async function firstList(user: ChatUser): Promise<string[]> {
  const { users } = await user.waitFor(SERVER_EVENTS.users);
  return users.map((u) => u.name).sort();
}

describe("presence on two chat servers sharing one Redis", () => {
  it("list the same users on both, once each, also one with a tab on each", async () => {
    const [a, b] = await cluster.start();
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    const annTab = await connect(b, { token: ann.token });
    expect(annTab.name).toBe("Ann");

    const cid = await connect(a, { name: "Cid" });
    const dee = await connect(b, { name: "Dee" });
    expect(await firstList(cid)).toEqual(["Ann", "Bob", "Cid"]);
    expect(await firstList(dee)).toEqual(["Ann", "Bob", "Cid", "Dee"]);
    await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Dee");
    const joinedAnn = bob.events.filter(
      (e) => e.event === SERVER_EVENTS.joined && (e.payload as UserSummary).name === "Ann",
    );
    expect(joinedAnn).toEqual([]);
    expect([...bob.online].sort()).toEqual(["Ann", "Bob", "Cid", "Dee"]);
  });

  it("each number their own changes: a resume is sent what changed on the server that gave its version", async () => {
    const [a, b] = await cluster.start();
    const [ann, gil] = [await connect(a, { name: "Ann" }), await connect(a, { name: "Gil" })];
    for (const name of ["Hal", "Ida"]) await connect(b, { name });
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Ida");
    const held = ann.presenceVersion;
    ann.close();
    // A change made on the other server, which A passed on to its sockets and numbered.
    await connect(b, { name: "Jo" });
    await gil.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Jo");

    const onA = await connect(a, { token: ann.token, presence: held });
    expect(onA.events[1]).toMatchObject({
      event: SERVER_EVENTS.usersSince,
      payload: { since: held, listed: expect.arrayContaining([expect.objectContaining({ name: "Jo" })]) },
    });
    const onB = await connect(b, { token: ann.token, presence: held });
    expect(onB.events[1]?.event).toBe(SERVER_EVENTS.users);
  });

  it("greet a newcomer at once, while the joins its server holds back wait for their round", async () => {
    // After a quiet spell a change goes out at once; the next one waits for A's next round, 3 s later.
    const [a] = await cluster.start({ presenceRoundMs: 3_000 });
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(a, { name: "Bob" });
    // Bob has his list, with himself in it, while his join has not reached Ann yet: it is held back.
    expect(bob.online.has("Bob")).toBe(true);
    expect(ann.online.has("Bob")).toBe(false);
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob", 20_000);
  });

  it("pass on, from a server that closes, the joins it still held back for their round", async () => {
    const [a, b] = await cluster.start({ presenceRoundMs: 60_000 });
    const ann = await connect(a, { name: "Ann" });
    // B sends a change at once only after a minute without any: of Bob's join and Cid's, at least Cid's
    // waits for B's next round.
    await connect(b, { name: "Bob" });
    await connect(b, { name: "Cid" });
    expect(ann.online.has("Cid")).toBe(false);
    await b.chat.close();
    // Cid, coming back on A, would find himself listed already, and A would have nothing to announce.
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Cid", 3_000);
  });

  it("space their rounds by what sending them takes, not by how long the store takes to answer", async () => {
    const [a] = await cluster.start();
    // Each join is checked against the store before it goes out; the store answers a second late. Counted
    // as the round's cost, that wait would hold the next round back for 16 s.
    answerLate(a, "holderOf", 1_000);
    const ann = await connect(a, { name: "Ann" });
    await connect(a, { name: "Bob" });
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob", 5_000);
    await connect(a, { name: "Cid" });
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Cid", 5_000);
  });

  it("never leave shown away a user back and gone again before the round that says so", async () => {
    const [a] = await cluster.start({ presenceGraceMs: 30_000, presenceAwayMs: 1_000 });
    const bob = await connect(a, { name: "Bob" });
    const ann = await connect(a, { name: "Ann" });
    ann.close();
    await bob.waitFor(SERVER_EVENTS.away, (u) => u.name === "Ann");
    // Each round's aways and returns are checked against the store, which now answers late: Ann's return
    // waits in its round while her connection goes again...
    const reads = answerLate(a, "listedAmong");
    const passing: ClientSocket = io(a.chat.url, {
      auth: { token: ann.token },
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
    });
    await new Promise((resolve) => passing.once(SERVER_EVENTS.session, resolve));
    passing.close();
    await vi.waitFor(() => expect(reads).toHaveResolved());
    // ...and comes back after the check, before she would be shown away again: that announces nothing.
    await connect(a, { token: ann.token });
    // A join after all that: once Bob has it, every earlier round reached him.
    await connect(a, { name: "Cid" });
    await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Cid");
    expect(bob.away.has("Ann")).toBe(false);
  });

  it("never list again a user who logged out on one right after joining on the other", async () => {
    const [a, b] = await cluster.start();
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
      const { token } = await new Promise<SessionInfo>((resolve) =>
        passing.once(SERVER_EVENTS.session, resolve),
      );
      gone.push(`passing${i}`);
      await expect(ChatUser.connect(b.chat.url, { token, logout: true })).rejects.toThrow();
      passing.close();
    }
    // A join from each server after all that: once a watcher has both, every earlier round reached it.
    await connect(a, { name: "LastA" });
    await connect(b, { name: "LastB" });
    for (const watcher of watchers) {
      await watcher.waitFor(SERVER_EVENTS.joined, (u) => u.name === "LastA");
      await watcher.waitFor(SERVER_EVENTS.joined, (u) => u.name === "LastB");
      expect(gone.filter((name) => watcher.online.has(name))).toEqual([]);
    }
  });

  it("never hide a user let go on one and back on the other while the first held the leave for its round", async () => {
    // B sends a change at once only after 3 s without any: Ula's join goes at once, her leave waits.
    const [a, b] = await cluster.start({ presenceGraceMs: 300 }, [{}, { presenceRoundMs: 3_000 }]);
    const watcher = await connect(a, { name: "Watcher" });
    const ula = await connect(b, { name: "Ula" });
    await watcher.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Ula");
    ula.close();
    await expect.poll(async () => (await b.storage.presence.listedAmong([ula.id])).users.length).toBe(0);
    // Back on A, whose quiet rounds announce her at once, while her leave still waits on B.
    const back = watcher.next(SERVER_EVENTS.joined, (u) => u.name === "Ula");
    await connect(a, { token: ula.token });
    await back;
    // A join on B after that: once the watcher has it, B's round with the leave reached him too.
    await connect(b, { name: "Last" });
    await watcher.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Last", 10_000);
    expect([...watcher.online].sort()).toEqual(["Last", "Ula", "Watcher"]);
  });

  it("let go of a user whose last tab closed as the store failed to start their grace window", async () => {
    const [a, b] = await cluster.start({ presenceGraceMs: 300, presenceSweepMs: 100 });
    const bob = await connect(b, { name: "Bob" });
    const gus = await connect(a, { name: "Gus" });
    await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Gus");
    // The socket is detached; the next command, which would start the window, fails.
    const failed = vi
      .spyOn(a.storage.presence, "startGrace")
      .mockRejectedValueOnce(new Error("store unreachable"));
    gus.close();
    await vi.waitFor(() => expect(failed).toHaveBeenCalled());
    await bob.waitFor(SERVER_EVENTS.left, (u) => u.name === "Gus", 5_000);
    expect((await connect(b, { name: "Gus" })).name).toBe("Gus");
  });

  it("refuse on one server a name held on the other", async () => {
    const [a, b] = await cluster.start();
    await connect(a, { name: "Ann" });
    const thief = await ChatUser.connect(b.chat.url, { name: "ANN" }).catch((err: Refused) => err);
    expect(thief).toBeInstanceOf(Refused);
    expect((thief as Refused).code).toBe(ErrorCode.NAME_TAKEN);
  });

  it("tell users on both when someone is away, and never leave someone back shown away", async () => {
    const [a, b] = await cluster.start({ presenceGraceMs: 30_000, presenceAwayMs: 0 });
    const watchers = [await connect(a, { name: "WatchA" }), await connect(b, { name: "WatchB" })];
    const ann = await connect(a, { name: "Ann" });
    ann.close();
    for (const watcher of watchers) await watcher.waitFor(SERVER_EVENTS.away, (u) => u.name === "Ann");
    expect([...(await connect(b, { name: "Late" })).away]).toEqual(["Ann"]);
    await connect(b, { token: ann.token });
    for (const watcher of watchers) await watcher.waitFor(SERVER_EVENTS.back, (u) => u.name === "Ann");

    const hops: string[] = [];
    for (let i = 0; i < 6; i++) {
      // A change on A just before, so that A's next round waits its turn while B announces at once.
      await connect(a, { name: `busy${i}` });
      const hop = await connect(a, { name: `hop${i}` });
      hops.push(hop.name);
      hop.close();
      await connect(b, { token: hop.token });
    }
    // A join from each server after all that: once a watcher has both, every earlier round reached it.
    await connect(a, { name: "LastA" });
    await connect(b, { name: "LastB" });
    for (const watcher of watchers) {
      await watcher.waitFor(SERVER_EVENTS.joined, (u) => u.name === "LastA");
      await watcher.waitFor(SERVER_EVENTS.joined, (u) => u.name === "LastB");
      expect(hops.filter((name) => watcher.away.has(name) || !watcher.online.has(name))).toEqual([]);
    }
  });

  it("announce as gone, from the server still alive, the users of a server that died", async () => {
    const [a, b] = await cluster.start({ presenceGraceMs: 300, presenceSweepMs: 100, nodeTtlMs: 300 });
    const ann = await connect(a, { name: "Ann" });
    const bob = await connect(b, { name: "Bob" });
    expect(bob.online.has("Ann")).toBe(true);
    // A loses Redis for good, as a crashed process does: it can no longer record that Ann leaves.
    await a.storage.close();
    ann.close();
    await bob.next(SERVER_EVENTS.left, (u) => u.name === "Ann");
    expect([...bob.online]).toEqual(["Bob"]);
    const late = await connect(b, { name: "Cid" });
    expect(await firstList(late)).toEqual(["Bob", "Cid"]);
    expect(await late.send("Ann", "still there?")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.USER_OFFLINE },
    });
  });

  it("never show away a user who joins as a sweep finds the other server dead", async () => {
    const [a, b] = await cluster.start({ presenceSweepMs: 100 }, [{ nodeTtlMs: 300 }, {}]);
    const bob = await connect(b, { name: "Bob" });
    // Cid's window starts once the store has counted his sockets (none), a second after his claim: B's
    // sweeps meanwhile find A's lease lapsed, as when a process crashes, and look for users it left.
    answerLate(b, "connectionCount", 1_000);
    await a.storage.close();
    await connect(b, { name: "Cid" });
    // A join after that: once Bob has it, every earlier round reached him.
    await connect(b, { name: "Dee" });
    await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Dee");
    expect(bob.events.filter(({ event }) => event === SERVER_EVENTS.away)).toEqual([]);
  });

  it("close the socket of a user the other released while it was cut from Redis, so the client comes back listed", async () => {
    const relay = await startTcpRelay(cluster.redis.port);
    onTestFinished(() => relay.close());
    // Only A goes through the relay, with a lease short enough for B's sweeps to release its users in a second.
    const [a, b] = await cluster.start({ presenceGraceMs: 300, presenceSweepMs: 100 }, [
      { nodeTtlMs: 500, redisUrl: `redis://127.0.0.1:${relay.port}` },
      {},
    ]);
    const ann = cluster.track(
      await ChatUser.login(a.chat.url, "Ann", { reconnection: true, reconnectionDelay: 100 }),
    );
    const disconnects: string[] = [];
    ann.socket.on("disconnect", (reason) => disconnects.push(reason));
    const bob = await connect(b, { name: "Bob" });
    expect(bob.online.has("Ann")).toBe(true);

    // A partition: A's connections to Redis stay open and carry nothing, so its lease lapses unrenewed.
    expect(relay.stallAll()).toBeGreaterThan(0);
    await bob.next(SERVER_EVENTS.left, (u) => u.name === "Ann");
    expect(disconnects).toEqual([]);
    // The partition ends in resets: A connects again at once, and learns that Ann was released meanwhile.
    relay.cutAll();
    await expect.poll(() => disconnects, { timeout: 10_000 }).toEqual(["transport close"]);
    // Her client connects again as any does, and starts over from a full list.
    await expect
      .poll(() => ann.events.filter(({ event }) => event === SERVER_EVENTS.users).length, { timeout: 10_000 })
      .toBe(2);
    expect([...ann.online].sort()).toEqual(["Ann", "Bob"]);
    await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Ann");
    expect([...bob.online].sort()).toEqual(["Ann", "Bob"]);
    expect([...bob.away]).toEqual([]);
    expect(await firstList(await connect(b, { name: "Cid" }))).toEqual(["Ann", "Bob", "Cid"]);
  });
});
