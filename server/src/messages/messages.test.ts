import { CLIENT_EVENTS, ErrorCode, LIMITS, SERVER_EVENTS, type SendAck } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fence, sent } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
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
    const firstBob = bob.session?.id ?? "";
    await ann.send("Bob", "to the first Bob");
    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const newBob = await users.login("Bob");
    const laterBob = newBob.session?.id ?? "";
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
    const bobsOwn = await newBob.history("Ann", { withId: ann.session?.id ?? "" });
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

describe("history:get", () => {
  it("pages the group conversation backwards, oldest first within a page", async () => {
    const ann = await users.login("Ann");
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(sent(await ann.send(null, `m${i}`)).id);
    const newest = await ann.history(null, { limit: 5 });
    expect(newest.ok && newest.messages.map((m) => m.id)).toEqual(ids.slice(7));
    const older = await ann.history(null, { limit: 5, before: ids[7] });
    expect(older.ok && older.messages.map((m) => m.id)).toEqual(ids.slice(2, 7));
    const oldest = await ann.history(null, { limit: 5, before: ids[2] });
    expect(oldest.ok && oldest.messages.map((m) => m.text)).toEqual(["m0", "m1"]);
    expect(await ann.history(null, { limit: 5, before: ids[0] })).toEqual({ ok: true, messages: [] });
    // null is "not given": the newest page, of the default size.
    const newestByNull = await ann.history(null, { limit: null, before: null });
    expect(newestByNull.ok && newestByNull.messages.map((m) => m.id)).toEqual(ids);
  });

  it("refuses malformed requests with BAD_REQUEST", async () => {
    const ann = await users.login("Ann");
    for (const payload of [
      {},
      { with: 3 },
      { with: null, limit: 10_000 },
      { with: null, before: "9" },
      "x",
    ]) {
      const ack = await ann.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.history, payload as never);
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    }
  });
});

describe("sync", () => {
  it("returns everything visible after an id in pages of at most 500, with more while there is more", async () => {
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const total = LIMITS.syncPageMax + 120;
    const mine = new Set<number>();
    for (let i = 0; i < total; i += 40) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(40, total - i) }, (_, j) =>
          (i + j) % 3 === 0 ? cid.send("Ann", `p${i + j}`) : bob.send(null, `g${i + j}`),
        ),
      );
      for (const ack of batch) mine.add(sent(ack).id);
    }
    sent(await bob.send("Cid", "not for Ann"));

    const pages: { count: number; more: boolean }[] = [];
    const received: number[] = [];
    let after: number | null = null;
    for (;;) {
      const page = await ann.sync(after);
      if (!page.ok) throw new Error(page.error.message);
      pages.push({ count: page.messages.length, more: page.more });
      received.push(...page.messages.map((m) => m.id));
      if (!page.more) break;
      after = page.messages.at(-1)?.id ?? after;
    }
    expect(pages).toEqual([
      { count: LIMITS.syncPageMax, more: true },
      { count: total - LIMITS.syncPageMax, more: false },
    ]);
    expect(received).toEqual([...mine].sort((a, b) => a - b));
    expect(await ann.sync(received.at(-1) ?? 0)).toEqual({ ok: true, messages: [], more: false });
  });

  it("ends a page early once its text passes the limit in characters, so long messages stay readable", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const long = "x".repeat(LIMITS.textMaxLength);
    const fit = Math.floor(LIMITS.syncPageMaxChars / long.length);
    const ids = (await Promise.all(Array.from({ length: fit + 10 }, () => ann.send(null, long)))).map(
      (ack) => sent(ack).id,
    );
    const first = await bob.sync(0);
    if (!first.ok) throw new Error(first.error.message);
    expect(first.messages.map((m) => m.id)).toEqual(ids.slice(0, fit));
    expect(first.more).toBe(true);
    const rest = await bob.sync(ids[fit - 1] ?? 0);
    expect(rest.ok && rest.messages.map((m) => m.id)).toEqual(ids.slice(fit));
  });
});
