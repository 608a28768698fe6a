import { CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { type ChatUser, sent } from "../server/src/test-support/chat-client.js";
import { type RunningChat, startChat } from "../server/src/test-support/chat-server.js";
import { TestUsers } from "../server/src/test-support/test-users.js";
import { dropConnection } from "./support/protocol-client.js";

/*
 * Sections 6 and 7 of docs/PROTOCOL.md: what a client sees when it comes back after a drop, and when it
 * logs out, on a server of one process (which offers connection state recovery).
 */
let chat: RunningChat;
const users = new TestUsers(() => chat.url);

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

/** Reconnects a dropped user; resolves with the events that came before `connect`, and those after it. */
async function reconnect(user: ChatUser): Promise<{ before: string[]; after: string[] }> {
  const start = user.events.length;
  let connectedAt = -1;
  user.socket.once("connect", () => {
    connectedAt = user.events.length;
  });
  const listed = user.next(SERVER_EVENTS.users);
  user.socket.connect();
  await listed;
  const names = (from: number, to?: number) => user.events.slice(from, to).map(({ event }) => event);
  return { before: names(start, connectedAt), after: names(connectedAt) };
}

describe("a reconnect within the recovery window", () => {
  it("replays every message missed, private ones too, before connect fires, then greets afresh", async () => {
    chat = await startChat();
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const seen = sent(await ann.send(null, "before the drop"));
    await bob.receivedIds([seen.id]);
    await dropConnection(chat, bob);
    const missed = [sent(await ann.send(null, "to all")), sent(await ann.send("Bob", "to you"))];

    const { before, after } = await reconnect(bob);
    expect(bob.socket.recovered).toBe(true);
    expect(before).toEqual([SERVER_EVENTS.message, SERVER_EVENTS.message]);
    expect(after.slice(0, 2)).toEqual([SERVER_EVENTS.session, SERVER_EVENTS.users]);
    expect(bob.messages.slice(-2)).toEqual(missed);
  });

  it("is not recovered for a socket that had received no message before the drop, which must sync", async () => {
    chat = await startChat();
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    await dropConnection(chat, bob);
    const missed = sent(await ann.send(null, "while Bob was away"));

    const { before } = await reconnect(bob);
    expect(bob.socket.recovered).toBe(false);
    expect(before).toEqual([]);
    expect(await bob.sync(null)).toEqual({ ok: true, messages: [missed], more: false });
  });
});

describe("a reconnect after the grace window", () => {
  it("is not recovered, since the window is no longer than grace: the user is announced afresh and syncs", async () => {
    chat = await startChat({ presenceGraceMs: 300, presenceAwayMs: 0 });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const seen = sent(await ann.send(null, "gives Bob an offset to recover from"));
    await bob.receivedIds([seen.id]);
    const left = ann.next(SERVER_EVENTS.left, (u) => u.name === "Bob");
    await dropConnection(chat, bob);
    await left;
    const missed = sent(await ann.send(null, "after Bob left"));

    const joined = ann.next(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    const { before } = await reconnect(bob);
    expect(bob.socket.recovered).toBe(false);
    expect(before).toEqual([]);
    expect(await joined).toEqual({ name: "Bob", id: bob.session?.id, v: expect.any(String) });
    expect(await bob.sync(seen.id)).toEqual({ ok: true, messages: [missed], more: false });
  });
});

describe("a server that shuts down", () => {
  it("drops connections as a network failure would, so clients come back by themselves once it is up", async () => {
    chat = await startChat();
    const ann = await users.login("Ann", { reconnection: true, reconnectionDelay: 50 });
    const reason = new Promise<string>((resolve) => ann.socket.once("disconnect", resolve));
    const { dataDir, port } = chat;
    await chat.close();
    expect(await reason).toBe("transport close");
    expect(ann.socket.active).toBe(true);

    const greeted = ann.next(SERVER_EVENTS.session);
    chat = await startChat({ dataDir, port });
    expect(await greeted).toEqual(ann.session);
  });
});

describe("logout", () => {
  it("disconnects every tab for good, even a client that reconnects by itself", async () => {
    chat = await startChat();
    const ann = await users.login("Ann");
    const bob = await users.login("Bob", { reconnection: true });
    const bobTab = await users.connect({ token: bob.token }, { reconnection: true });
    const reasons = [bob, bobTab].map(
      (tab) => new Promise<string>((resolve) => tab.socket.once("disconnect", resolve)),
    );
    const left = ann.next(SERVER_EVENTS.left, (u) => u.name === "Bob");
    bob.socket.emit(CLIENT_EVENTS.logout);
    expect(await Promise.all(reasons)).toEqual(["io server disconnect", "io server disconnect"]);
    expect([bob.socket.active, bobTab.socket.active]).toEqual([false, false]);
    expect(await left).toEqual({ name: "Bob", id: bob.session?.id, v: expect.any(String) });
  });
});
