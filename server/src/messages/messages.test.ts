import { CLIENT_EVENTS, ErrorCode, LIMITS, SERVER_EVENTS, type SendAck } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import type { Storage } from "../storage/storage.js";
import { fence, sent } from "../test-support/chat-client.js";
import { type RunningChat, startChat, tempDataDir } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

beforeEach(async () => {
  // Rate limits have their own tests (transport/rate-limits.test.ts); here they would refuse the bulk sends.
  chat = await startChat({ limits: { messagesPerSecond: 0 } });
});

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

describe("group messages", () => {
  it("reach every other socket exactly once; the sending socket gets only the ack", async () => {
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const annTab = await users.tab(ann);
    const message = sent(await ann.send(null, "hello all"));
    expect(message).toMatchObject({ from: "Ann", to: null, text: "hello all" });
    expect(message.sentAt).toBeGreaterThan(Date.now() - 60_000);
    await Promise.all([bob, cid, annTab].map((u) => u.receivedIds([message.id])));
    await fence(bob, ann, bob, cid, annTab);
    for (const user of [bob, cid, annTab]) {
      expect(user.messages.filter((m) => m.id === message.id)).toEqual([message]);
    }
    expect(ann.messages.some((m) => m.id === message.id)).toBe(false);
  });

  it("carry the session's name as sender, whatever the payload claims", async () => {
    const [mallory, bob] = [await users.login("Mallory"), await users.login("Bob")];
    const ack = await mallory.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.send, {
      to: null,
      text: "I am Bob",
      clientId: "x1",
      from: "Bob",
    } as never);
    const message = sent(ack);
    expect(message.from).toBe("Mallory");
    await bob.receivedIds([message.id]);
    expect(bob.messages.find((m) => m.id === message.id)?.from).toBe("Mallory");
  });
});

describe("private messages", () => {
  it("reach the recipient's sockets and the sender's other tabs, and no third party", async () => {
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const [annTab, bobTab] = [await users.tab(ann), await users.tab(bob)];
    const message = sent(await ann.send("bob", "psst"));
    expect(message).toMatchObject({ from: "Ann", to: "Bob", text: "psst" });
    await Promise.all([bob, bobTab, annTab].map((u) => u.receivedIds([message.id])));
    await fence(ann, bob, bobTab, annTab, cid);
    expect(cid.messages.some((m) => m.text === "psst")).toBe(false);
    expect(JSON.stringify(cid.events)).not.toContain("psst");
    for (const user of [bob, bobTab, annTab])
      expect(user.messages.filter((m) => m.id === message.id)).toHaveLength(1);
  });

  it("refuse unknown names, yourself, and users who left for good", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    expect(await ann.send("Nobody", "hi")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NO_SUCH_USER },
    });
    expect(await ann.send("ANN", "hi")).toMatchObject({ ok: false, error: { code: ErrorCode.NO_SUCH_USER } });
    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const ack = await ann.send("Bob", "still there?");
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.USER_OFFLINE } });
  });

  it("are readable only by their two parties, even by someone who takes a freed name", async () => {
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const secret = sent(await ann.send("Bob", "our secret"));
    const bobSees = await bob.history("Ann");
    expect(bobSees.ok && bobSees.messages.map((m) => m.id)).toEqual([secret.id]);
    const annSees = await ann.history("bob");
    expect(annSees.ok && annSees.messages.map((m) => m.id)).toEqual([secret.id]);
    for (const peer of ["Ann", "Bob"]) expect(await cid.history(peer)).toEqual({ ok: true, messages: [] });
    const cidSync = await cid.sync(null);
    expect(cidSync.ok && cidSync.messages.some((m) => m.id === secret.id)).toBe(false);

    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const newBob = await users.login("Bob");
    expect(await newBob.history("Ann")).toEqual({ ok: true, messages: [] });
    const newBobSync = await newBob.sync(null);
    expect(newBobSync.ok && newBobSync.messages.some((m) => m.id === secret.id)).toBe(false);
  });
});

describe("a private message naming its recipient's id (toId)", () => {
  it("reaches the identity its sender meant, and never a later holder of the name", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const { id: meant } = await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    const toBob = (toId: string, text: string) =>
      ann.socket.timeout(10_000).emitWithAck(CLIENT_EVENTS.send, { to: "Bob", toId, text, clientId: text });
    expect(await toBob(meant, "for the first Bob")).toMatchObject({ ok: true });

    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const newBob = await users.login("Bob");
    const { id: now } = await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob" && u.id !== meant);
    expect(await toBob(meant, "written to the first Bob")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.USER_OFFLINE },
    });
    expect(await toBob(now, "for the new Bob")).toMatchObject({ ok: true });
    await fence(ann, newBob);
    expect(newBob.messages.map((m) => m.text)).toEqual(["for the new Bob", "fence"]);
  });

  it("keeps each identity's conversation apart in history and in the messages' ids", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const firstBob = bob.id;
    await ann.send("Bob", "to the first Bob");
    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const newBob = await users.login("Bob");
    const laterBob = newBob.id;
    expect(laterBob).not.toBe(firstBob);
    const reply = sent(await newBob.send("Ann", "from the later Bob"));
    expect(reply).toMatchObject({ from: "Bob", fromId: laterBob, to: "Ann", toId: ann.session?.id });

    const texts = async (withId: string | null) => {
      const res = await ann.history("Bob", { withId });
      return res.ok ? res.messages.map((m) => m.text) : res.error.code;
    };
    expect(await texts(firstBob)).toEqual(["to the first Bob"]);
    expect(await texts(laterBob)).toEqual(["from the later Bob"]);
    // Without an id, the conversation is with the name, whoever held it (as before ids existed).
    expect(await texts(null)).toEqual(["to the first Bob", "from the later Bob"]);
    const bobsOwn = await newBob.history("Ann", { withId: ann.id });
    expect(bobsOwn.ok && bobsOwn.messages.map((m) => m.text)).toEqual(["from the later Bob"]);
  });
});

describe("sending", () => {
  it("returns the original message for a repeated clientId and delivers it only once", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const [first, second] = await Promise.all([
      ann.send(null, "once", "same-id"),
      ann.send(null, "once", "same-id"),
    ]);
    const third = await ann.send(null, "different text, same id", "same-id");
    expect(sent(second)).toEqual(sent(first));
    expect(sent(third)).toEqual(sent(first));
    await fence(ann, bob);
    expect(bob.messages.filter((m) => m.clientId === "same-id")).toHaveLength(1);
    // The same clientId from another identity is a different message.
    expect(sent(await bob.send(null, "mine", "same-id")).id).not.toBe(sent(first).id);
  });

  it.each([
    ["looking its recipient up", "holderOf", (storage: Storage) => storage.presence],
    ["being stored", "append", (storage: Storage) => storage.messages],
  ] as const)(
    "answers a resend with its original while that is still %s, though the recipient left",
    async (_, method, part) => {
      await chat.close();
      const storage = await openSqliteStorage(tempDataDir());
      chat = await startChat({ storage, limits: { messagesPerSecond: 0 } });
      const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
      // The original waits (its answer read, or its batch slow) until the resend has found its recipient gone.
      let goOn = () => {};
      const resendRefused = new Promise<void>((resolve) => {
        goOn = resolve;
      });
      let originalHeld = () => {};
      const held = new Promise<void>((resolve) => {
        originalHeld = resolve;
      });
      const target = part(storage) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const real = target[method]?.bind(target);
      vi.spyOn(target, method).mockImplementationOnce(async (...args) => {
        // A lookup answers as it would have then; a store learns of the message only after the wait.
        const answer = method === "holderOf" ? await real?.(...args) : undefined;
        originalHeld();
        await resendRefused;
        return method === "holderOf" ? answer : real?.(...args);
      });
      const isKnownName = storage.sessions.isKnownName.bind(storage.sessions);
      vi.spyOn(storage.sessions, "isKnownName").mockImplementationOnce(async (key) => {
        const known = await isKnownName(key);
        goOn();
        return known;
      });

      const original = ann.send("Bob", "before you go", "k1");
      await held;
      bob.socket.emit(CLIENT_EVENTS.logout);
      await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
      const resent = await ann.send("Bob", "before you go", "k1");
      expect(sent(resent)).toEqual(sent(await original));
    },
  );

  it("answers malformed sends with an error code and changes nothing", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const cases: [unknown, string][] = [
      [{ to: null, text: "", clientId: "a" }, ErrorCode.TEXT_INVALID],
      [{ to: null, text: "   ", clientId: "a" }, ErrorCode.TEXT_INVALID],
      [{ to: null, text: 42, clientId: "a" }, ErrorCode.TEXT_INVALID],
      [{ to: null, text: "bell \u0007", clientId: "a" }, ErrorCode.TEXT_INVALID],
      [{ to: null, text: "x".repeat(LIMITS.textMaxLength + 1), clientId: "a" }, ErrorCode.TEXT_INVALID],
      [{ to: null, text: "ok" }, ErrorCode.BAD_REQUEST],
      [{ to: 5, text: "ok", clientId: "a" }, ErrorCode.BAD_REQUEST],
      ["just a string", ErrorCode.BAD_REQUEST],
      [null, ErrorCode.BAD_REQUEST],
    ];
    for (const [payload, code] of cases) {
      const ack = await ann.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.send, payload as never);
      expect(ack).toMatchObject({ ok: false, error: { code } });
    }
    // No payload at all, only the ack.
    const bare = await (
      ann.socket.timeout(5000) as unknown as { emitWithAck(e: string): Promise<SendAck> }
    ).emitWithAck(CLIENT_EVENTS.send);
    expect(bare).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    // Without an ack callback there is nobody to answer: ignored, and the server carries on.
    ann.socket.emit(
      CLIENT_EVENTS.send,
      { to: null, text: "no ack", clientId: "n1" } as never,
      undefined as never,
    );
    await fence(ann, bob);
    expect(bob.messages.map((m) => m.text)).toEqual(["fence"]);
    expect(await ann.history(null)).toMatchObject({ ok: true, messages: [{ text: "fence" }] });
  });
});

describe("an event the server does not know", () => {
  it("is answered with BAD_REQUEST when it carries an ack, and changes nothing", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const unknown = ann.socket.timeout(5000) as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<SendAck>;
    };
    const ack = await unknown.emitWithAck("message:sned", { to: null, text: "typo", clientId: "t1" });
    expect(ack).toEqual({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST, message: 'This server has no event "message:sned".' },
    });
    await fence(ann, bob);
    expect(bob.messages.map((m) => m.text)).toEqual(["fence"]);
  });
});
