import {
  type ChatMessage,
  CLIENT_EVENTS,
  ErrorCode,
  LIMITS,
  SERVER_EVENTS,
  type SendAck,
} from "@chat/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat, tempDataDir } from "../test-support/chat-server.js";
import { parsePrometheusText, sampleValue, storeCalls } from "../test-support/prometheus-text.js";
import { TestUsers } from "../test-support/test-users.js";
import { MIN_IN_FLIGHT } from "./load-shedding.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

/** `count` sends fired as fast as the client can, `inFlight` at a time, each answered by its ack. */
async function flood(user: ChatUser, count: number, inFlight: number): Promise<SendAck[]> {
  const acks: SendAck[] = [];
  for (let i = 0; i < count; i += inFlight) {
    const batch = Array.from({ length: Math.min(inFlight, count - i) }, (_, j) =>
      user.send(null, `flood ${i + j}`),
    );
    acks.push(...(await Promise.all(batch)));
  }
  return acks;
}

/** An emit the protocol's types would not let through. */
const emitOutsideProtocol = (user: ChatUser, ...args: unknown[]) =>
  (user.socket as unknown as { emit(...args: unknown[]): void }).emit(...args);

/** Sends one by one, awaiting each ack; resolves with the send time of each acknowledged message's id. */
async function talk(user: ChatUser, count: number): Promise<Map<number, number>> {
  const sentAt = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const ack = await user.send(null, `${user.name} says ${i}`);
    if (!ack.ok) throw new Error(`${user.name}'s message ${i} was refused: ${ack.error.code}`);
    sentAt.set(ack.message.id, started);
  }
  return sentAt;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe("a client flooding the chat with messages", () => {
  it("is refused with RATE_LIMITED, its refused messages go nowhere, and everyone else is served", async () => {
    // Its refusals counted, not its connection cut for them (see the next test).
    chat = await startChat({ limits: { messagesPerSecond: 5, messageBurst: 20, refusalsPerConnection: 0 } });
    const flooder = await users.login("Flood");
    const [ann, bob, reader] = [
      await users.login("Ann"),
      await users.login("Bob"),
      await users.login("Reader"),
    ];
    const arrivals = new Map<number, number>();
    reader.socket.on(SERVER_EVENTS.message, (message: ChatMessage) =>
      arrivals.set(message.id, performance.now()),
    );

    // Well-behaved users send 20 messages each, within sustained rate plus burst, while the flood runs.
    const [flooded, annSent, bobSent] = await Promise.all([
      flood(flooder, 2000, 100),
      talk(ann, 20),
      talk(bob, 20),
    ]);
    const calm = new Map([...annSent, ...bobSent]);
    await reader.receivedIds([...calm.keys()]);

    const accepted = flooded.filter((ack) => ack.ok).map((ack) => ack.message);
    const refused = flooded.flatMap((ack) => (ack.ok ? [] : [ack.error]));
    expect(refused.length).toBeGreaterThan(1000);
    for (const error of refused) {
      expect(error.code).toBe(ErrorCode.RATE_LIMITED);
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
      expect(error.retryAfterMs).toBeLessThanOrEqual(10_000);
    }
    // A refused send is not stored and reaches nobody: the chat holds exactly what was acknowledged.
    const stored = await reader.sync(null);
    if (!stored.ok) throw new Error(stored.error.message);
    const acknowledged = [...accepted.map((m) => m.id), ...calm.keys()].sort((a, b) => a - b);
    expect(stored.messages.map((m) => m.id)).toEqual(acknowledged);
    await reader.receivedIds(accepted.map((m) => m.id));
    expect(reader.messages.filter((m) => m.from === "Flood")).toHaveLength(accepted.length);

    const latencies = [...calm].map(([id, sentAt]) => (arrivals.get(id) ?? Number.NaN) - sentAt);
    console.log(
      `flood: ${flooded.length} sends, ${accepted.length} accepted, ${refused.length} RATE_LIMITED; ` +
        `well-behaved delivery latency p99 ${percentile(latencies, 99).toFixed(1)} ms over ${latencies.length} messages`,
    );
  });

  it("cuts a connection that keeps asking after its refusals, which then resumes and is served", async () => {
    chat = await startChat({ limits: { messagesPerSecond: 1, messageBurst: 0, refusalsPerConnection: 20 } });
    const flooder = await ChatUser.login(chat.url, "Flood", { reconnection: true });
    users.add(flooder);
    const cut = new Promise((resolve) => flooder.socket.once("disconnect", resolve));
    // The session it is given again once it reconnects: its own, resumed.
    const { token } = flooder;
    const resumed = flooder.next(SERVER_EVENTS.session);
    const acks = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => flooder.send(null, `${i}`)));
    expect(await cut).toBe("transport close");
    const answered = acks.flatMap((ack) => (ack.status === "fulfilled" ? [ack.value] : []));
    expect(answered.filter((ack) => !ack.ok).length).toBeGreaterThan(20);
    // The cut left the rest of the flood unanswered, its work never done.
    expect(answered.length).toBeLessThan(100);

    expect(await resumed).toMatchObject({ name: "Flood", token });
    const refusal = answered.flatMap((ack) => (ack.ok ? [] : [ack.error])).at(-1);
    await new Promise((resolve) => setTimeout(resolve, (refusal?.retryAfterMs ?? 0) + 50));
    expect(await flooder.send(null, "calm again")).toMatchObject({ ok: true, message: { from: "Flood" } });
    const metrics = parsePrometheusText(await (await fetch(`${chat.url}/metrics`)).text());
    expect(sampleValue(metrics, "chat_rate_limited_total", { limit: "refusals" })).toBe(1);
  });

  it("does not cut a connection for the refusals of an overloaded server, which are not its own doing", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    let resume = () => {};
    const stalled = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const append = storage.messages.append.bind(storage.messages);
    storage.messages.append = async (batch) => {
      await stalled;
      return append(batch);
    };
    chat = await startChat({ storage, limits: { messagesPerSecond: 0, refusalsPerConnection: 2 } });
    const ann = await users.login("Ann");
    const cut = vi.fn();
    ann.socket.on("disconnect", cut);
    const acks = Array.from({ length: MIN_IN_FLIGHT + 10 }, (_, i) => ann.send(null, `${i}`));
    // The store holds the first MIN_IN_FLIGHT: the process is behind, and refuses the rest as busy.
    const busy = await Promise.all(acks.slice(MIN_IN_FLIGHT));
    expect(busy).toEqual(
      Array(10).fill(
        expect.objectContaining({ error: expect.objectContaining({ code: ErrorCode.RATE_LIMITED }) }),
      ),
    );
    resume();
    const taken = await Promise.all(acks.slice(0, MIN_IN_FLIGHT));
    expect(taken.every((ack) => ack.ok)).toBe(true);
    expect(cut).not.toHaveBeenCalled();
    expect(await ann.send(null, "still connected")).toMatchObject({ ok: true });
  });

  it.each([
    [
      "requests sent without an ack, which nobody would learn the result of",
      (user: ChatUser) => emitOutsideProtocol(user, CLIENT_EVENTS.sync, { after: 0 }),
    ],
    [
      "events the server does not know",
      (user: ChatUser) => emitOutsideProtocol(user, "no:such", {}, () => {}),
    ],
  ])("cuts a connection that floods %s, while others are served", async (_, ask) => {
    chat = await startChat({ limits: { refusalsPerConnection: 20 } });
    const [flooder, bystander] = [await users.login("Flood"), await users.login("Calm")];
    const cut = new Promise((resolve) => flooder.socket.once("disconnect", resolve));
    for (let i = 0; i < 100 && flooder.socket.connected; i++) ask(flooder);
    expect(await cut).toBe("transport close");
    expect(await bystander.send(null, "still here")).toMatchObject({ ok: true });
  });

  it("can send again once the refusal's retryAfterMs has passed", async () => {
    chat = await startChat({ limits: { messagesPerSecond: 2, messageBurst: 0 } });
    const flooder = await users.login("Flood");
    const acks = await flood(flooder, 10, 10);
    const refusal = acks.flatMap((ack) => (ack.ok ? [] : [ack.error])).at(-1);
    expect(refusal?.code).toBe(ErrorCode.RATE_LIMITED);
    await new Promise((resolve) => setTimeout(resolve, (refusal?.retryAfterMs ?? 0) + 50));
    expect(await flooder.send(null, "calm again")).toMatchObject({ ok: true });
  });

  // A budget per tab would multiply an identity's by its tabs, up to CONNECTIONS_PER_IP of them.
  it.each([
    ["reads", { readsPerSecond: 3, readBurst: 0 }, (user: ChatUser) => user.history(null)],
    ["messages", { messagesPerSecond: 3, messageBurst: 0 }, (user: ChatUser) => user.send(null, "hi")],
    ["typing notices", { typingPerSecond: 3, typingBurst: 0 }, (user: ChatUser) => user.typing("Cid")],
  ])(
    "shares one budget of %s across the tabs of an identity, not across identities",
    async (_, limits, ask) => {
      chat = await startChat({ limits: { messagesPerSecond: 0, ...limits } });
      const ann = await users.login("Ann");
      const annTab = await ChatUser.connect(chat.url, { token: ann.token });
      users.add(annTab);
      const [bob] = [await users.login("Bob"), await users.login("Cid")];
      const answers = await Promise.all([ann, annTab, ann, annTab, bob].map(ask));
      const codes = answers.map((ack) => (ack.ok ? "ok" : ack.error.code));
      expect(codes.slice(0, 4).filter((code) => code === ErrorCode.RATE_LIMITED)).toHaveLength(1);
      expect(codes[4]).toBe("ok");
    },
  );

  it("charges a large answer as several reads, so a small request cannot buy large answers over and over", async () => {
    chat = await startChat({ limits: { messagesPerSecond: 0, readsPerSecond: 10, readBurst: 0 } });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    // 40 messages of 4000 characters: one page of them is 160,000 characters, 9 reads beyond the request.
    await Promise.all(Array.from({ length: 40 }, () => ann.send(null, "x".repeat(4000))));
    expect(await bob.history(null)).toMatchObject({ ok: true, messages: { length: 40 } });
    expect(await bob.history(null)).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    // Small answers cost one read each.
    const small = await Promise.all(Array.from({ length: 9 }, () => ann.history("Bob")));
    expect(small.every((ack) => ack.ok)).toBe(true);
  });

  it("charges a history page of the longest messages for all its text, beyond what a sync page may hold", async () => {
    chat = await startChat({ limits: { messagesPerSecond: 0, readsPerSecond: 100, readBurst: 0 } });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    // 200 messages of 4000 characters: 800,000 of them, 48 reads beyond the request; two such pages spend
    // the second's 100.
    for (let i = 0; i < 200; i += 50) {
      await Promise.all(Array.from({ length: 50 }, () => ann.send(null, "x".repeat(4000))));
    }
    const page = { limit: LIMITS.historyPageMax };
    expect(await bob.history(null, page)).toMatchObject({ ok: true, messages: { length: 200 } });
    expect(await bob.history(null, page)).toMatchObject({ ok: true, messages: { length: 200 } });
    expect(await bob.history(null, page)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.RATE_LIMITED },
    });
  });

  it.each([
    [5, 0],
    [5, 5],
    [3, 8],
  ])(
    "answers a large page with %i reads a second and a burst of %i, less than it costs",
    async (readsPerSecond, readBurst) => {
      chat = await startChat({ limits: { messagesPerSecond: 0, readsPerSecond, readBurst } });
      const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
      // A page of 40 messages of 4000 characters costs 10 reads: more than any one window here grants.
      await Promise.all(Array.from({ length: 40 }, () => ann.send(null, "x".repeat(4000))));
      expect(await bob.sync(0)).toMatchObject({ ok: true, messages: { length: 40 } });
    },
  );

  it("runs an identity's reads one at a time, so many sent at once cost the store only a few", async () => {
    chat = await startChat({ limits: { messagesPerSecond: 0 } });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    await Promise.all(Array.from({ length: 70 }, () => ann.send(null, "x".repeat(4000))));
    const storeReads = () => storeCalls(chat.url, "visibleAfter");
    const before = await storeReads();
    // 60 full sync pages at once: the first few spend the identity's reads, and the rest wait their turn
    // only to be refused before they touch the store (beyond 8 waiting, at once).
    const answers = await Promise.all(Array.from({ length: 60 }, () => bob.sync(0)));
    const answered = answers.filter((ack) => ack.ok).length;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(5);
    // Each answer read the store once, and at most one more read found its answer over the limit.
    expect((await storeReads()) - before).toBeLessThanOrEqual(answered + 1);
  });

  it("answers a page of the longest messages within the default limit", async () => {
    chat = await startChat({ limits: { messagesPerSecond: 0 } });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const longest = "😀".repeat(LIMITS.textMaxLength);
    await Promise.all(Array.from({ length: LIMITS.historyPageMax }, () => ann.send(null, longest)));
    const page = await bob.history(null, { limit: LIMITS.historyPageMax });
    expect(page).toMatchObject({ ok: true, messages: { length: LIMITS.historyPageMax } });
  });

  it("refuses large answers asked for all at once before sending them, not after", async () => {
    chat = await startChat({ limits: { messagesPerSecond: 0, readsPerSecond: 10, readBurst: 0 } });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    await Promise.all(Array.from({ length: 40 }, () => ann.send(null, "x".repeat(4000))));
    // Five pages of 160,000 characters cost 50 reads: sent together, at most one can be answered.
    const answers = await Promise.all(Array.from({ length: 5 }, () => bob.history(null)));
    expect(answers.filter((ack) => ack.ok).length).toBeLessThanOrEqual(1);
    const refused = answers.filter((ack) => !ack.ok && ack.error.code === ErrorCode.RATE_LIMITED);
    expect(refused.length).toBeGreaterThanOrEqual(4);
  });
});
