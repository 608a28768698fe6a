import { type ChatMessage, ErrorCode, type OnlineUser, SERVER_EVENTS, type UserSummary } from "@chat/shared";
import { io } from "socket.io-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import { ChatUser, fence, Refused } from "../test-support/chat-client.js";
import { type RunningChat, startChat, tempDataDir } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

const named = (name: string) => (u: UserSummary) => u.name === name;
const PRESENCE_DELTAS: ReadonlySet<string> = new Set([
  SERVER_EVENTS.joined,
  SERVER_EVENTS.left,
  SERVER_EVENTS.away,
  SERVER_EVENTS.back,
]);
/** Whom each delta was about (without the list's version, which each carries). */
const presenceEvents = (user: ChatUser): UserSummary[] =>
  user.events.flatMap((e) => {
    if (!PRESENCE_DELTAS.has(e.event)) return [];
    const { name, id } = e.payload as UserSummary;
    return [{ name, id }];
  });

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

describe("grace window", () => {
  it("keeps a short drop invisible to others and the name reserved", async () => {
    chat = await startChat({ presenceGraceMs: 30_000 });
    const ann = await users.connect({ name: "Ann" });
    const bob = await users.connect({ name: "Bob" });
    await ann.waitFor(SERVER_EVENTS.joined, named("Bob"));
    const token = bob.token;
    bob.close();
    const thief = await ChatUser.connect(chat.url, { name: "bob" }).catch((err: Refused) => err);
    expect(thief).toBeInstanceOf(Refused);
    expect((thief as Refused).code).toBe(ErrorCode.NAME_TAKEN);
    // A private message sent while Bob is away is accepted and waits for him.
    const away = await ann.send("Bob", "while you were out");
    expect(away.ok).toBe(true);

    const back = await users.connect({ token });
    expect(back.name).toBe("Bob");
    await fence(back, ann);
    expect(presenceEvents(ann)).toEqual([{ name: "Bob", id: expect.any(String) }]); // only the original join
    expect(ann.online.has("Bob")).toBe(true);
    const missed = await back.sync(null);
    expect(missed.ok && missed.messages.map((m: ChatMessage) => m.text)).toContain("while you were out");
  });

  it("frees the name after a long drop; the old token then expires if someone else took it", async () => {
    chat = await startChat({ presenceGraceMs: 300 });
    const ann = await users.connect({ name: "Ann" });
    const bob = await users.connect({ name: "Bob" });
    const token = bob.token;
    bob.close();
    await ann.next(SERVER_EVENTS.left, named("Bob"));
    expect(ann.online.has("Bob")).toBe(false);
    expect(await ann.send("Bob", "gone?")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.USER_OFFLINE },
    });

    const newBob = await users.connect({ name: "BOB" });
    await ann.waitFor(SERVER_EVENTS.joined, named("BOB"));
    const stale = await ChatUser.connect(chat.url, { token }).catch((err: Refused) => err);
    expect(stale).toBeInstanceOf(Refused);
    expect((stale as Refused).code).toBe(ErrorCode.SESSION_EXPIRED);
    expect(newBob.name).toBe("BOB");
  });

  it("lets the old token resume after a long drop when nobody took the name, announcing the return", async () => {
    chat = await startChat({ presenceGraceMs: 300 });
    const ann = await users.connect({ name: "Ann" });
    const bob = await users.connect({ name: "Bob" });
    const token = bob.token;
    bob.close();
    await ann.next(SERVER_EVENTS.left, named("Bob"));
    const joined = ann.next(SERVER_EVENTS.joined, named("Bob"));
    const back = await users.connect({ token });
    await joined;
    expect(back.name).toBe("Bob");
  });

  it("can be turned off (0): logins still work, and a dropped user is gone at once", async () => {
    chat = await startChat({ presenceGraceMs: 0 });
    const ann = await users.connect({ name: "Ann" });
    const bob = await users.connect({ name: "Bob" });
    expect(ann.online.has("Bob")).toBe(true);
    bob.close();
    await ann.next(SERVER_EVENTS.left, named("Bob"));
    expect((await users.connect({ name: "Bob" })).name).toBe("Bob");
  });

  it("counts several tabs as one presence: user:left only when the last one is gone", async () => {
    chat = await startChat({ presenceGraceMs: 300 });
    const ann = await users.connect({ name: "Ann" });
    const bob = await users.connect({ name: "Bob" });
    const bobTab = await users.connect({ token: bob.token });
    expect(bobTab.name).toBe("Bob");
    bob.close();
    // Longer than the grace window, measured by a user we know leaves after it.
    const cid = await users.connect({ name: "Cid" });
    cid.close();
    await ann.next(SERVER_EVENTS.left, named("Cid"));
    expect(ann.online.has("Bob")).toBe(true);
    expect(presenceEvents(ann).filter(named("Bob"))).toHaveLength(1);
    bobTab.close();
    await ann.next(SERVER_EVENTS.left, named("Bob"));
  });
});

describe("away", () => {
  it("shows a user with no connection for longer than a reload as away, and back when they return", async () => {
    chat = await startChat({ presenceGraceMs: 30_000, presenceAwayMs: 200 });
    const ann = await users.connect({ name: "Ann" });
    const bob = await users.connect({ name: "Bob" });
    const token = bob.token;
    bob.close();
    await ann.next(SERVER_EVENTS.away, named("Bob"));
    expect(ann.online.has("Bob")).toBe(true);
    // Someone arriving now gets Bob listed as away, and no one else.
    const cid = await users.connect({ name: "Cid" });
    expect([...cid.away]).toEqual(["Bob"]);

    const back = ann.next(SERVER_EVENTS.back, named("Bob"));
    const bobAgain = await users.connect({ token });
    await back;
    await fence(bobAgain, cid);
    expect(cid.away.size).toBe(0);
    // Only the original join, then away, then back: the same identity all along.
    expect(presenceEvents(ann).filter(named("Bob"))).toEqual(
      Array(3).fill({ name: "Bob", id: bobAgain.session?.id }),
    );
  });

  it("is not shown while another tab of the user is still connected", async () => {
    chat = await startChat({ presenceGraceMs: 30_000, presenceAwayMs: 100 });
    const ann = await users.connect({ name: "Ann" });
    const bob = await users.connect({ name: "Bob" });
    const bobTab = await users.connect({ token: bob.token });
    bob.close();
    // Longer than awayMs, measured by a user we know goes away after it.
    const cid = await users.connect({ name: "Cid" });
    cid.close();
    await ann.next(SERVER_EVENTS.away, named("Cid"));
    await fence(bobTab, ann);
    expect(ann.away.has("Bob")).toBe(false);
    expect(presenceEvents(ann).filter(named("Bob"))).toHaveLength(1);
  });
});

describe("a store failing midway", () => {
  it("frees the name of a login it failed after the name was held, so that the client's next try gets it", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    chat = await startChat({ storage });
    // Fails right after the claim: with no clock started, the name would be held for as long as the store lives.
    vi.spyOn(storage.presence, "connectionCount").mockRejectedValueOnce(new Error("store unreachable"));
    await expect(users.connect({ name: "Ann" })).rejects.toBeInstanceOf(Refused);
    const ann = await users.connect({ name: "Ann" });
    expect([...ann.online]).toEqual(["Ann"]);
  });

  it("closes a connection whose list could not be read, and greets it when its client comes back", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    // The first read of the list fails, as one through a Redis connection that blips would.
    vi.spyOn(storage.presence, "online").mockRejectedValueOnce(new Error("store unreachable"));
    chat = await startChat({ storage });
    const socket = io(chat.url, {
      auth: { name: "Ann" },
      transports: ["websocket"],
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 50,
    });
    // As the web client does: a reconnect resumes the session.
    socket.on(SERVER_EVENTS.session, ({ token }) => {
      socket.auth = { token };
    });
    try {
      const cut = new Promise((resolve) => socket.once("disconnect", resolve));
      const listed = new Promise<string[]>((resolve) =>
        socket.once(SERVER_EVENTS.users, ({ users }) => resolve(users.map((u: OnlineUser) => u.name))),
      );
      expect(await cut).toBe("transport close");
      expect(await listed).toEqual(["Ann"]);
    } finally {
      socket.close();
    }
  });
});
