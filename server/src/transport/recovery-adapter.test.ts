import { once } from "node:events";
import { SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import type { ChatUser } from "../test-support/chat-client.js";
import { type ChatPerTest, chatPerTest } from "../test-support/chat-per-test.js";
import { GREETING_EVENTS } from "./recovery-adapter.js";

/**
 * Ann and Bob logged in, Bob with a message received (an offset to recover from), then Bob's network
 * drops. Also Bob's socket on the server, as it was.
 */
async function bobDropsAfterAMessage(server: ChatPerTest) {
  const { users } = server;
  const ann = await users.login("Ann");
  const bob = await users.login("Bob");
  await ann.send(null, "gives Bob an offset to recover from");
  await bob.waitFor(SERVER_EVENTS.message);
  const bobOnServer = server.chat.server.io.of("/").sockets.get(bob.socket.id ?? "");
  if (!bobOnServer) throw new Error("Bob has no socket on the server");
  const dropped = once(bobOnServer, "disconnect");
  bob.socket.io.engine.close();
  await dropped;
  return { ann, bob, bobOnServer };
}

/** The events connection state recovery holds for replay, in order. */
function keptForRecovery(server: ChatPerTest): unknown[] {
  const adapter = server.chat.server.io.of("/").adapter as unknown as { packets: { data: unknown[] }[] };
  return adapter.packets.map((packet) => packet.data[0]);
}

describe("connection state recovery", () => {
  const server = chatPerTest();
  const { users } = server;

  it("keeps the messages a dropped socket may miss, but not its greeting: a recovered socket is greeted afresh", async () => {
    // Someone arrives while Bob is away; his client comes back by recovery and is greeted again with the
    // list as it is now, which is why no presence needs keeping.
    const { ann, bob } = await bobDropsAfterAMessage(server);
    await users.login("Cid");
    await ann.send(null, "while Bob was away");
    const relisted = bob.next(SERVER_EVENTS.users);
    bob.socket.connect();
    // Someone else arrives while Bob waits for his list: their join must not reach him before it.
    const dee = users.login("Dee");
    const list = await relisted;
    await dee;
    expect(bob.socket.recovered).toBe(true);
    const sinceBack = bob.events.slice(
      bob.events.map(({ event }) => event).lastIndexOf(SERVER_EVENTS.session),
    );
    expect(
      sinceBack.find(({ event }) => event !== SERVER_EVENTS.session && event !== SERVER_EVENTS.message)
        ?.event,
    ).toBe(SERVER_EVENTS.users);
    expect(bob.events.filter(({ event }) => event === SERVER_EVENTS.session)).toHaveLength(2);
    expect(list.users.map((u) => u.name).sort()).toEqual(expect.arrayContaining(["Ann", "Bob", "Cid"]));
    await expect.poll(() => bob.online.has("Dee")).toBe(true);
    expect([...bob.online].sort()).toEqual(["Ann", "Bob", "Cid", "Dee"]);
    expect(bob.messages.map((m) => m.text)).toContain("while Bob was away");

    const kept = keptForRecovery(server);
    expect(kept).toContain(SERVER_EVENTS.message);
    for (const greeting of GREETING_EVENTS) expect(kept).not.toContain(greeting);
  });

  it("restores a dropped socket once: its ids cannot bring back a second socket with the same id", async () => {
    const { bob, bobOnServer } = await bobDropsAfterAMessage(server);
    const client = bob.socket as unknown as { _pid: string; _lastOffset: string };
    const recovery = { token: bob.token, pid: client._pid, offset: client._lastOffset };

    // (socket.io-client reports `recovered` only for its own earlier socket; the server's socket tells.)
    const recoveredOnServer = (user: ChatUser) =>
      server.chat.server.io.of("/").sockets.get(user.socket.id ?? "")?.recovered;
    const first = await users.connect(recovery);
    expect(recoveredOnServer(first)).toBe(true);
    expect(first.socket.id).toBe(bobOnServer.id);
    const second = await users.connect(recovery);
    expect(recoveredOnServer(second)).toBe(false);
    expect(second.socket.id).not.toBe(bobOnServer.id);
  });
});

describe("connection state recovery, past the messages it keeps", () => {
  const KEPT = 10;
  const server = chatPerTest({ limits: { recoveryMaxPackets: KEPT } });

  /** Ann sends `count` messages while Bob is away; Bob reconnects. The texts, and whether he was recovered. */
  async function bobMisses(count: number) {
    const { ann, bob } = await bobDropsAfterAMessage(server);
    const texts = Array.from({ length: count }, (_, i) => `while Bob was away, ${i + 1} of ${count}`);
    for (const text of texts) await ann.send(null, text);
    const greeted = bob.next(SERVER_EVENTS.session);
    bob.socket.connect();
    await greeted;
    return { bob, texts, recovered: bob.socket.recovered };
  }

  it("recovers a socket whose last message is among the latest it keeps, with everything it missed", async () => {
    const { bob, texts, recovered } = await bobMisses(KEPT - 1);
    expect(recovered).toBe(true);
    expect(bob.messages.map((m) => m.text)).toEqual(expect.arrayContaining(texts));
  });

  it("does not recover one whose last message it dropped; that client catches up by sync, missing nothing", async () => {
    const { bob, texts, recovered } = await bobMisses(KEPT);
    expect(recovered).toBe(false);
    expect(bob.messages.map((m) => m.text)).not.toContain(texts[0]);
    const seen = bob.messages.at(-1)?.id ?? null;
    const caughtUp = await bob.sync(seen);
    expect(caughtUp.ok && caughtUp.messages.map((m) => m.text)).toEqual(texts);
    expect(keptForRecovery(server)).toHaveLength(KEPT);
  });
});
