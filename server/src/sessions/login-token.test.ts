import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it, vi } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import { ChatUser, fence } from "../test-support/chat-client.js";
import { chatPerTest } from "../test-support/chat-per-test.js";
import { loseNextAnswer, startChat, tempDataDir } from "../test-support/chat-server.js";
import { newToken } from "./tokens.js";

const scene = chatPerTest();
const { users } = scene;

describe("a login with a token of the client's own (auth: { name, newToken })", () => {
  it("is resumed by its retry when the connection was lost before the client learned it got through", async () => {
    const bob = await users.login("Bob");
    const auth = { name: "Ann", newToken: newToken() };
    loseNextAnswer(scene.chat);
    await expect(ChatUser.connect(scene.chat.url, auth)).rejects.toThrow(/closed the connection/);
    const joined = await bob.next(SERVER_EVENTS.joined, (u) => u.name === "Ann");

    const ann = await users.connect(auth);
    expect(ann.session).toEqual({ name: "Ann", id: joined.id, token: auth.newToken });
    await fence(ann, bob);
    expect(bob.events.filter((e) => e.event === SERVER_EVENTS.left)).toEqual([]);
    expect(bob.events.filter((e) => e.event === SERVER_EVENTS.joined)).toHaveLength(1);
  });

  it("is one session for two attempts under way at once, whichever gets there first, and one join for the others", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    const chat = await startChat({ storage });
    const connected: ChatUser[] = [];
    try {
      const bob = await ChatUser.login(chat.url, "Bob");
      connected.push(bob);
      // The first attempt stores its session only once the retry has claimed the name too.
      let claimedTwice = () => {};
      const bothClaimed = new Promise<void>((resolve) => {
        claimedTwice = resolve;
      });
      const claim = storage.presence.claim.bind(storage.presence);
      let annClaims = 0;
      vi.spyOn(storage.presence, "claim").mockImplementation(async (user, windowMs) => {
        const result = await claim(user, windowMs);
        if (user.name === "Ann" && ++annClaims === 2) claimedTwice();
        return result;
      });
      const create = storage.sessions.create.bind(storage.sessions);
      vi.spyOn(storage.sessions, "create").mockImplementation(async (...args) => {
        await bothClaimed;
        return create(...args);
      });

      const auth = { name: "Ann", newToken: newToken() };
      const attempts = await Promise.all([
        ChatUser.connect(chat.url, auth),
        ChatUser.connect(chat.url, auth),
      ]);
      connected.push(...attempts);
      const [first, retry] = attempts;
      expect(first?.session).toMatchObject({ name: "Ann", token: auth.newToken });
      expect(retry?.session).toEqual(first?.session);
      await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Ann");
      await fence(bob, ...attempts);
      const joins = bob.events.filter((e) => e.event === SERVER_EVENTS.joined).map((e) => e.payload);
      expect(joins).toEqual([expect.objectContaining({ name: "Ann", id: first?.session?.id })]);
    } finally {
      for (const user of connected) user.close();
      await chat.close();
    }
  });

  it("keeps the name of a retry that got through when the first attempt fails after it", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    const chat = await startChat({ storage });
    const connected: ChatUser[] = [];
    try {
      // The first attempt's store fails, but only once the retry has its session.
      let retryIn = () => {};
      const retried = new Promise<void>((resolve) => {
        retryIn = resolve;
      });
      const create = storage.sessions.create.bind(storage.sessions);
      vi.spyOn(storage.sessions, "create").mockImplementationOnce(async () => {
        await retried;
        throw new Error("the disk is full");
      });
      const auth = { name: "Ann", newToken: newToken() };
      const first = ChatUser.connect(chat.url, auth);
      await vi.waitFor(() => expect(storage.sessions.create).toHaveBeenCalled());
      vi.mocked(storage.sessions.create).mockImplementation(create);
      const retry = await ChatUser.connect(chat.url, auth);
      connected.push(retry);
      retryIn();
      await expect(first).rejects.toThrow(/INTERNAL/);

      const other = ChatUser.connect(chat.url, { name: "Ann", newToken: newToken() });
      await expect(other).rejects.toThrow(/NAME_TAKEN/);
      const bob = await ChatUser.login(chat.url, "Bob");
      connected.push(bob);
      expect(bob.events.find((e) => e.event === SERVER_EVENTS.users)?.payload).toMatchObject({
        users: expect.arrayContaining([expect.objectContaining({ name: "Ann", id: retry.session?.id })]),
      });
    } finally {
      for (const user of connected) user.close();
      await chat.close();
    }
  });

  it("gives the session the client's token, which resumes it like any other", async () => {
    const auth = { name: "Ann", newToken: newToken() };
    const ann = await users.connect(auth);
    expect(ann.token).toBe(auth.newToken);
    const tab = await users.connect({ token: auth.newToken });
    expect(tab.session).toEqual(ann.session);
  });

  it("refuses a token a session ever had, with SESSION_EXPIRED, and never claims a name for it", async () => {
    const bob = await users.login("Bob");
    const auth = { name: "Ann", newToken: newToken() };
    const ann = await users.connect(auth);
    ann.socket.emit(CLIENT_EVENTS.logout);
    await bob.next(SERVER_EVENTS.left, (u) => u.name === "Ann");
    const seenBefore = bob.events.length;
    for (const name of ["Ann", "Cid"]) {
      const refused = await users.refusal(ChatUser.connect(scene.chat.url, { ...auth, name }));
      expect(refused.code).toBe(ErrorCode.SESSION_EXPIRED);
    }
    expect((await users.login("Cid")).name).toBe("Cid");
    await bob.next(SERVER_EVENTS.joined, (u) => u.name === "Cid");
    // The refused attempts never showed anyone joining: Cid's own login is the only news.
    const news = bob.events.slice(seenBefore).filter((e) => e.event !== SERVER_EVENTS.message);
    expect(news.map((e) => [e.event, "name" in e.payload && e.payload.name])).toEqual([
      [SERVER_EVENTS.joined, "Cid"],
    ]);
    expect((await users.login("Ann")).token).not.toBe(auth.newToken);
  });

  it("refuses a token shorter or other than the server's own kind with BAD_REQUEST", async () => {
    const refused = await users.refusal(ChatUser.connect(scene.chat.url, { name: "Ann", newToken: "1234" }));
    expect(refused.code).toBe(ErrorCode.BAD_REQUEST);
    expect(refused.data?.message).toMatch(/^newToken: 32 random bytes/);
    expect((await users.login("Ann")).name).toBe("Ann");
  });
});
