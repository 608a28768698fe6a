import { once } from "node:events";
import { SERVER_EVENTS } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";

let chat: RunningChat;
const users: ChatUser[] = [];

async function connect(
  auth: Record<string, unknown>,
  options?: Parameters<typeof ChatUser.connect>[2],
): Promise<ChatUser> {
  const user = await ChatUser.connect(chat.url, auth, options);
  users.push(user);
  return user;
}

/** What socket.io-client keeps to ask for connection state recovery: its server-side session id and offset. */
function recoveryOf(user: ChatUser): { pid: string; offset: string } {
  const socket = user.socket as unknown as { _pid: string; _lastOffset: string };
  return { pid: socket._pid, offset: socket._lastOffset };
}

beforeEach(async () => {
  chat = await startChat();
});

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

describe("a connection", () => {
  it("starts with session, then the full list, and only then deltas, however busy the chat is", async () => {
    const arrivals = Array.from({ length: 20 }, (_, i) => connect({ name: `user${i}` }));
    const connected = await Promise.all(arrivals);
    for (const user of connected) {
      const firstEvents = user.events.slice(0, 2).map((e) => e.event);
      expect(firstEvents).toEqual([SERVER_EVENTS.session, SERVER_EVENTS.users]);
    }
  });

  it("lets a crowd connect at once: each is sent the list once, and everyone ends up listing everyone", async () => {
    // A few stay on long-polling: a round reaches a WebSocket as one packet, and them event by event.
    const transports = (i: number) => (i % 10 === 0 ? ["polling"] : ["websocket"]);
    const crowd = await Promise.all(
      Array.from({ length: 40 }, (_, i) => connect({ name: `crowd${i}` }, { transports: transports(i) })),
    );
    // Presence goes out in order, so whoever has heard of this later arrival has heard of the whole crowd.
    const last = await connect({ name: "last" });
    const everyone = [...crowd, last].map((user) => user.name).sort();
    for (const user of crowd) {
      await user.waitFor(SERVER_EVENTS.joined, ({ name }) => name === "last");
      expect([...user.online].sort()).toEqual(everyone);
      expect(user.events.filter(({ event }) => event === SERVER_EVENTS.users)).toHaveLength(1);
    }
    expect([...last.online].sort()).toEqual(everyone);
  });

  it("cannot take over another user's recovered socket, and with it their private messages", async () => {
    const alice = await connect({ name: "Alice" });
    const bob = await connect({ name: "Bob" });
    const mallory = await connect({ name: "Mallory" });
    // A message through the adapter, so Bob's socket has an offset to recover from.
    await alice.send(null, "hello");
    await bob.waitFor(SERVER_EVENTS.message);
    const bobsRecovery = recoveryOf(bob);
    const bobOnServer = chat.server.io.of("/").sockets.get(bob.socket.id ?? "");
    if (!bobOnServer) throw new Error("Bob has no socket on the server");
    // Bob's network drops (no goodbye), so the server keeps his session for recovery.
    const dropped = once(bobOnServer, "disconnect");
    bob.socket.io.engine.close();
    await dropped;

    await alice.send("Bob", "for Bob, while he was away");

    // Mallory presents Bob's recovery ids with her own token: the server restores Bob's socket (its id),
    // but what Bob missed is his identity's, and the token she proved is not.
    const thief = await connect({ token: mallory.token, ...bobsRecovery });
    expect(thief.socket.id).toBe(bobOnServer.id);
    expect(chat.server.io.of("/").sockets.get(thief.socket.id ?? "")?.recovered).toBe(true);
    expect(thief.name).toBe("Mallory");
    expect(thief.messages.map((m) => m.text)).not.toContain("for Bob, while he was away");
    const ack = await alice.send("Bob", "for Bob only");
    expect(ack.ok).toBe(true);
    await alice.send(null, "fence");
    await thief.waitFor(SERVER_EVENTS.message, (m) => m.text === "fence");
    expect(thief.messages.map((m) => m.text)).not.toContain("for Bob only");
  });
});
