import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import { io } from "socket.io-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat, tempDataDir } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

beforeEach(async () => {
  chat = await startChat();
});

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

describe("logout", () => {
  it("frees the name at once, ends the token and tells the others", async () => {
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    const token = bob.token;
    const left = ann.next(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const disconnected = new Promise((resolve) => bob.socket.once("disconnect", resolve));
    bob.socket.emit(CLIENT_EVENTS.logout);
    await left;
    await disconnected;
    expect(ann.online.has("Bob")).toBe(false);
    expect((await users.refusal(ChatUser.connect(chat.url, { token }))).code).toBe(ErrorCode.SESSION_EXPIRED);
    const newBob = await users.login("bob");
    expect(newBob.name).toBe("bob");
  });

  it("is not lost when the client disconnects right after asking", async () => {
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    const token = bob.token;
    const left = ann.next(SERVER_EVENTS.left, (u) => u.name === "Bob");
    bob.socket.emit(CLIENT_EVENTS.logout);
    bob.socket.disconnect();
    await left;
    expect((await users.refusal(ChatUser.connect(chat.url, { token }))).code).toBe(ErrorCode.SESSION_EXPIRED);
  });

  it("carries out nothing the socket sends after it: that is refused, and reaches nobody", async () => {
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    const left = ann.next(SERVER_EVENTS.left, (u) => u.name === "Bob");
    bob.socket.emit(CLIENT_EVENTS.logout);
    const send = bob.send("Ann", "after logging out");
    const typing = bob.typing("Ann");
    const refused = { ok: false, error: { code: ErrorCode.SESSION_EXPIRED } };
    expect(await send).toMatchObject(refused);
    expect(await typing).toMatchObject(refused);
    await left;
    // Everything stored that Ann may read: her own message only.
    expect((await ann.send(null, "fence")).ok).toBe(true);
    expect(await ann.sync(0)).toMatchObject({ ok: true, messages: [{ text: "fence" }] });
    expect(
      ann.events.filter(({ event }) => event === SERVER_EVENTS.message || event === SERVER_EVENTS.typing),
    ).toEqual([]);
  });

  it("closes the connection when it could not reach the store, rather than keep one that refuses everything", async () => {
    await chat.close();
    const storage = await openSqliteStorage(tempDataDir());
    vi.spyOn(storage.sessions, "end").mockRejectedValueOnce(new Error("store unreachable"));
    chat = await startChat({ storage });
    const bob = await users.login("Bob");
    const disconnects: string[] = [];
    bob.socket.on("disconnect", (reason) => disconnects.push(reason));
    bob.socket.emit(CLIENT_EVENTS.logout);
    await expect.poll(() => disconnects, { timeout: 5_000 }).toEqual(["transport close"]);
  });

  it("also disconnects a tab whose handshake was under way when it landed", async () => {
    // Across processes a logout can land after a tab's handshake claimed the name and before the socket
    // counts in, too late for the logout's own disconnect to find it: the interleaving, injected here.
    await chat.close();
    const storage = await openSqliteStorage(tempDataDir());
    const attach = storage.presence.attach.bind(storage.presence);
    let logoutLandsNow = false;
    storage.presence.attach = async (id, socketId) => {
      if (logoutLandsNow) {
        await storage.sessions.end(id, Date.now());
        await storage.presence.release(id);
      }
      return attach(id, socketId);
    };
    chat = await startChat({ storage });
    const bob = await users.login("Bob");
    logoutLandsNow = true;
    const late = io(chat.url, { auth: { token: bob.token }, transports: ["websocket"], reconnection: false });
    const reason = await new Promise((resolve) => late.once("disconnect", resolve));
    late.close();
    expect(reason).toBe("io server disconnect");
    expect(chat.server.io.of("/").sockets.size).toBe(1);
  });

  it("is not what a resume is told when its user was let go at the end of a grace window in that moment", async () => {
    await chat.close();
    const storage = await openSqliteStorage(tempDataDir());
    const attach = storage.presence.attach.bind(storage.presence);
    let windowEndsNow = false;
    storage.presence.attach = async (id, socketId) => {
      if (windowEndsNow) {
        windowEndsNow = false;
        await storage.presence.release(id);
      }
      return attach(id, socketId);
    };
    chat = await startChat({ storage });
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    bob.close();
    windowEndsNow = true;
    const resumed = io(chat.url, {
      auth: { token: bob.token },
      transports: ["websocket"],
      reconnectionDelay: 50,
    });
    try {
      const cut = new Promise((resolve) => resumed.once("disconnect", resolve));
      const listed = new Promise((resolve) => resumed.once(SERVER_EVENTS.users, resolve));
      // Cut as a network drop is, not logged out: its client comes back by itself, and its token lists Bob again.
      expect(await cut).toBe("transport close");
      await listed;
      await expect.poll(() => ann.online.has("Bob")).toBe(true);
    } finally {
      resumed.close();
    }
  });

  it("ends a resume it raced: the token's lookup before it, the name's claim after", async () => {
    await chat.close();
    const storage = await openSqliteStorage(tempDataDir());
    const claim = storage.presence.claim.bind(storage.presence);
    let logoutLandsNow = false;
    storage.presence.claim = async (user, windowMs) => {
      if (logoutLandsNow) {
        logoutLandsNow = false;
        await storage.sessions.end(user.id, Date.now());
        await storage.presence.release(user.id);
      }
      return claim(user, windowMs);
    };
    chat = await startChat({ storage });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    logoutLandsNow = true;
    const refused = await users.refusal(ChatUser.connect(chat.url, { token: bob.token }));
    expect(refused.code).toBe(ErrorCode.SESSION_EXPIRED);
    expect(await storage.presence.holderOf(uniqueNameKey("Bob"))).toBeNull();
    expect((await users.login("Bob")).name).toBe("Bob");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
  });

  it("disconnects every tab of that identity", async () => {
    const bob = await users.login("Bob");
    const tab2 = await ChatUser.connect(chat.url, { token: bob.token });
    users.add(tab2);
    const tab2Gone = new Promise((resolve) => tab2.socket.once("disconnect", resolve));
    bob.socket.emit(CLIENT_EVENTS.logout);
    await tab2Gone;
  });
});

describe("logout in the handshake (auth: { token, logout: true }), as a tab that logged out offline sends it", () => {
  it("ends the session without listing its user again on the way out", async () => {
    await chat.close();
    chat = await startChat({ presenceGraceMs: 100 });
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    const token = bob.token;
    bob.close();
    await ann.next(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const seenFrom = ann.events.length;

    const refused = await users.refusal(ChatUser.connect(chat.url, { token, logout: true }));
    expect(refused.code).toBe(ErrorCode.SESSION_EXPIRED);
    // Presence changes reach Ann in order: once Cy's join is in, a listing of Bob would be too.
    await users.login("Cy");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Cy");
    expect(ann.events.slice(seenFrom).filter((e) => e.event === SERVER_EVENTS.joined)).toEqual([
      { event: SERVER_EVENTS.joined, payload: { name: "Cy", id: expect.any(String), v: expect.any(String) } },
    ]);
    expect((await users.refusal(ChatUser.connect(chat.url, { token }))).code).toBe(ErrorCode.SESSION_EXPIRED);
    expect((await users.login("Bob")).name).toBe("Bob");
  });

  it("closes the tabs the identity still has open, and frees the name at once", async () => {
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    const closed = new Promise((resolve) => bob.socket.once("disconnect", resolve));
    const left = ann.next(SERVER_EVENTS.left, (u) => u.name === "Bob");
    await users.refusal(ChatUser.connect(chat.url, { token: bob.token, logout: true }));
    expect(await closed).toBe("io server disconnect");
    await left;
    expect((await users.login("bob")).name).toBe("bob");
  });
});
