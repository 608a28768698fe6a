import { once } from "node:events";
import { SERVER_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { GREETING_EVENTS } from "./recovery-adapter.js";

let chat: RunningChat;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

/** The events connection state recovery holds for replay, in order. */
function keptForRecovery(): unknown[] {
  const adapter = chat.server.io.of("/").adapter as unknown as { packets: { data: unknown[] }[] };
  return adapter.packets.map((packet) => packet.data[0]);
}

describe("connection state recovery", () => {
  it("keeps the messages a dropped socket may miss, but not its greeting: a recovered socket is greeted afresh", async () => {
    chat = await startChat();
    const ann = await ChatUser.login(chat.url, "Ann");
    const bob = await ChatUser.login(chat.url, "Bob");
    users.push(ann, bob);
    await ann.send(null, "gives Bob an offset to recover from");
    await bob.waitFor(SERVER_EVENTS.message);

    // Bob's network drops; someone arrives while he is away; his client comes back by recovery and is
    // greeted again with the list as it is now, which is why no presence needs keeping.
    const bobOnServer = chat.server.io.of("/").sockets.get(bob.socket.id ?? "");
    if (!bobOnServer) throw new Error("Bob has no socket on the server");
    const dropped = once(bobOnServer, "disconnect");
    bob.socket.io.engine.close();
    await dropped;
    users.push(await ChatUser.login(chat.url, "Cid"));
    await ann.send(null, "while Bob was away");
    const relisted = bob.next(SERVER_EVENTS.users);
    bob.socket.connect();
    // Someone else arrives while Bob waits for his list: their join must not reach him before it.
    const dee = ChatUser.login(chat.url, "Dee");
    const list = await relisted;
    users.push(await dee);
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

    const kept = keptForRecovery();
    expect(kept).toContain(SERVER_EVENTS.message);
    for (const greeting of GREETING_EVENTS) expect(kept).not.toContain(greeting);
  });

  it("restores a dropped socket once: its ids cannot bring back a second socket with the same id", async () => {
    chat = await startChat();
    const ann = await ChatUser.login(chat.url, "Ann");
    const bob = await ChatUser.login(chat.url, "Bob");
    users.push(ann, bob);
    await ann.send(null, "gives Bob an offset to recover from");
    await bob.waitFor(SERVER_EVENTS.message);
    const client = bob.socket as unknown as { _pid: string; _lastOffset: string };
    const recovery = { token: bob.token, pid: client._pid, offset: client._lastOffset };
    const bobOnServer = chat.server.io.of("/").sockets.get(bob.socket.id ?? "");
    if (!bobOnServer) throw new Error("Bob has no socket on the server");
    const dropped = once(bobOnServer, "disconnect");
    bob.socket.io.engine.close();
    await dropped;

    // (socket.io-client reports `recovered` only for its own earlier socket; the server's socket tells.)
    const recoveredOnServer = (user: ChatUser) =>
      chat.server.io.of("/").sockets.get(user.socket.id ?? "")?.recovered;
    const first = await ChatUser.connect(chat.url, recovery);
    users.push(first);
    expect(recoveredOnServer(first)).toBe(true);
    expect(first.socket.id).toBe(bobOnServer.id);
    const second = await ChatUser.connect(chat.url, recovery);
    users.push(second);
    expect(recoveredOnServer(second)).toBe(false);
    expect(second.socket.id).not.toBe(bobOnServer.id);
  });
});
