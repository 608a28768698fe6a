import { LIMITS, SERVER_EVENTS, type SendRequest } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { useConversation } from "../client/src/stores/conversation.js";
import { useOutbox } from "../client/src/stores/outbox.js";
import { useSession } from "../client/src/stores/session.js";
import { ChatUser, sent } from "../server/src/test-support/chat-client.js";
import { type RunningChat, startChat, unreachableWhile } from "../server/src/test-support/chat-server.js";
import { startWebClient } from "./support/web-client.js";

let chat: RunningChat;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

async function login(name: string): Promise<ChatUser> {
  const user = await ChatUser.login(chat.url, name);
  users.push(user);
  return user;
}

/** The web client's own connection code and stores, run in Node, logged in as `name`. */
async function webClient(name: string) {
  const client = startWebClient(chat.url);
  await client.connection.login(name);
  await expect.poll(() => useSession().status).toBe("connected");
  return client;
}

describe("the web client's conversations", () => {
  it("name the identity a private message is for, so that whoever holds the name later cannot get it", async () => {
    chat = await startChat();
    const sends: SendRequest[] = [];
    chat.server.io.on("connection", (socket) =>
      socket.use(([event, payload], next) => {
        if (event === "message:send") sends.push(payload);
        next();
      }),
    );
    const bob = await login("Bob");
    const { connection } = await webClient("Ann");
    const peer = { name: "Bob", id: bob.id };
    connection.send(peer, "hi Bob");
    await bob.waitFor(SERVER_EVENTS.message, (m) => m.text === "hi Bob");
    await expect.poll(() => useOutbox().entries).toEqual([]);
    expect(sends).toEqual([expect.objectContaining({ to: "Bob", toId: bob.id, text: "hi Bob" })]);
    connection.logout();
  });

  it("catch up on more than a sync page of messages missed while the server could not be reached", async () => {
    // Recovery keeps too few packets to replay the drop: the client has to page through `sync`.
    chat = await startChat({ limits: { messagesPerSecond: 0, readsPerSecond: 0, recoveryMaxPackets: 10 } });
    const bob = await login("Bob");
    const { connection, tab } = await webClient("Ann");
    let unreachable = true;
    unreachableWhile(chat, () => unreachable);
    const dropped = new Promise((resolve) => tab.once("disconnect", resolve));
    tab.io.engine.close();
    await dropped;
    const missed = LIMITS.syncPageMax + 200;
    let last = 0;
    for (let i = 0; i < missed; i++) last = sent(await bob.send(null, `missed ${i}`)).id;
    unreachable = false;
    await expect.poll(() => useConversation(null).messages.at(-1)?.id, { timeout: 20_000 }).toBe(last);
    expect(useConversation(null).messages).toHaveLength(missed);
    connection.logout();
  });

  it("never count as unread what the user wrote from another tab", async () => {
    chat = await startChat();
    const bob = await login("Bob");
    const { connection } = await webClient("Ann");
    const otherTab = await ChatUser.connect(chat.url, { token: useSession().token });
    users.push(otherTab);
    sent(await otherTab.send("Bob", "from my other tab"));
    const peer = { name: "Bob", id: bob.id };
    await expect.poll(() => useConversation(peer).messages.map((m) => m.text)).toEqual(["from my other tab"]);
    expect(useConversation(peer).unread).toBe(0);
    connection.logout();
  });
});

describe("the web client told the network is back", () => {
  it("reconnects at once, not when socket.io's backoff would", async () => {
    chat = await startChat();
    // A backoff far longer than the test: only reconnectNow can bring the connection back in time.
    const { connection, tab } = startWebClient(chat.url, ["websocket"], {
      reconnectionDelay: 600_000,
      reconnectionDelayMax: 600_000,
    });
    await connection.login("Ann");
    await expect.poll(() => useSession().status).toBe("connected");
    tab.io.engine.close();
    await expect.poll(() => useSession().status).toBe("reconnecting");
    connection.reconnectNow();
    await expect.poll(() => useSession().status, { timeout: 10_000 }).toBe("connected");
    expect(await tab.emitWithAck("sync", { after: 0 })).toMatchObject({ ok: true });
    connection.logout();
  });
});
