import { CLIENT_EVENTS, ErrorCode, LIMITS, SERVER_EVENTS, type SendRequest } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { type ChatUser, fence, sent } from "../server/src/test-support/chat-client.js";
import { chatPerTest } from "../server/src/test-support/chat-per-test.js";
import { dropConnection } from "./support/protocol-client.js";

/*
 * Sections 4 to 6 and 8 of docs/PROTOCOL.md (sends, history, sync, errors), checked where no test next
 * to the server's handlers does already. Rate limits are off here: protocol-document-limits.test.ts.
 */
const server = chatPerTest({ limits: { messagesPerSecond: 0, readsPerSecond: 0 } });
const { users } = server;

/** An emoji: one code point, two UTF-16 units, four bytes of UTF-8. */
const WIDE = "😀";

/** The code a send of `payload` is answered with, or "ok". */
async function answerCode(user: ChatUser, payload: unknown): Promise<string> {
  const ack = await user.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.send, payload as SendRequest);
  return ack.ok ? "ok" : ack.error.code;
}

describe("message:send, as section 4 describes it", () => {
  it("names the recipient as they spell it, and keeps the text exactly as sent", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const text = "  two spaces,\ta tab and a line break\n ";
    const message = sent(await ann.send("BOB", text));
    expect(message).toMatchObject({ from: "Ann", fromId: ann.session?.id, to: "Bob", toId: bob.session?.id });
    expect(message.text).toBe(text);
    await bob.receivedIds([message.id]);
  });

  it("checks fields in the documented order, and ignores extra fields", async () => {
    const ann = await users.login("Ann");
    const codeOf = (payload: unknown) => answerCode(ann, payload);
    // `to`'s type, `toId`'s, then text, then clientId, then whether they go together and name someone.
    expect(await codeOf({ to: 5, text: "", clientId: "" })).toBe(ErrorCode.BAD_REQUEST);
    expect(await codeOf({ to: "Nobody", toId: 5, text: "", clientId: "" })).toBe(ErrorCode.BAD_REQUEST);
    expect(await codeOf({ to: null, toId: "x", text: "", clientId: "" })).toBe(ErrorCode.TEXT_INVALID);
    expect(await codeOf({ to: "Nobody", text: " ", clientId: "" })).toBe(ErrorCode.TEXT_INVALID);
    expect(await codeOf({ to: "Nobody", text: "hi", clientId: "" })).toBe(ErrorCode.BAD_REQUEST);
    expect(await codeOf({ to: "Nobody", text: "hi", clientId: "a" })).toBe(ErrorCode.NO_SUCH_USER);
    expect(await codeOf({ to: null, toId: "x", text: "hi", clientId: "b" })).toBe(ErrorCode.BAD_REQUEST);
    expect(await codeOf([null, "hi", "c"])).toBe(ErrorCode.BAD_REQUEST);
    const extra = { to: null, toId: null, text: "hi", clientId: "d", from: "Bob", extra: 1 };
    const ack = await ann.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.send, extra as SendRequest);
    expect(sent(ack)).not.toHaveProperty("extra");
    expect(sent(ack).from).toBe("Ann");
  });

  it("measures to, toId and clientId in UTF-16 units, as the limits table says", async () => {
    const [ann] = [await users.login("Ann"), await users.login("Bob")];
    const codeOf = (payload: Partial<SendRequest>) =>
      answerCode(ann, { to: "Bob", text: "hi", clientId: "k", ...payload });
    const half = (limit: number) => WIDE.repeat(limit / 2);
    // Each at its limit in UTF-16 units is a well-formed request (only the id names nobody)...
    expect(await codeOf({ toId: "i".repeat(LIMITS.userIdMaxLength) })).toBe(ErrorCode.USER_OFFLINE);
    expect(await codeOf({ to: half(LIMITS.peerNameMaxLength) })).toBe(ErrorCode.NO_SUCH_USER);
    expect(await codeOf({ clientId: half(LIMITS.clientIdMaxLength) })).toBe("ok");
    // ...and one emoji more is over it, though far fewer code points than the limit.
    expect(await codeOf({ toId: `${half(LIMITS.userIdMaxLength)}${WIDE}` })).toBe(ErrorCode.BAD_REQUEST);
    expect(await codeOf({ to: `${half(LIMITS.peerNameMaxLength)}${WIDE}` })).toBe(ErrorCode.BAD_REQUEST);
    expect(await codeOf({ clientId: `${half(LIMITS.clientIdMaxLength)}${WIDE}` })).toBe(
      ErrorCode.BAD_REQUEST,
    );
  });

  it("answers a resent clientId with the original, whatever the resend names, even once its recipient left", async () => {
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const original = sent(await ann.send("Bob", "for Bob", "once"));
    await bob.receivedIds([original.id]);
    expect(await ann.send(null, "for everyone", "once")).toEqual({ ok: true, message: original });
    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    expect(await ann.send("Bob", "again", "once")).toEqual({ ok: true, message: original });
    await fence(ann, cid);
    expect(cid.messages.map((m) => m.text)).toEqual(["fence"]);
  });

  it("accepts a private message to a user in grace, which they get by sync when they resume", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const seen = sent(await ann.send(null, "before the drop"));
    await bob.receivedIds([seen.id]);
    await dropConnection(server.chat, bob);
    const waiting = sent(await ann.send("Bob", "while you were away"));
    const back = await users.tab(bob);
    const caughtUp = await back.sync(seen.id);
    expect(caughtUp).toEqual({ ok: true, messages: [waiting], more: false });
  });
});

describe("the order messages arrive in, on a server of one process", () => {
  it("is their id order, and an ack never comes before a message with a smaller id", async () => {
    const senders = await Promise.all(["Ann", "Bob", "Cid"].map((name) => users.login(name)));
    const reader = await users.login("Dee");
    /** Per sender, each id as it reached them: in a `message` event, or in the ack of a send. */
    const arrivals = senders.map((sender) => {
      const seen: { id: number; ack: boolean }[] = [];
      sender.socket.on(SERVER_EVENTS.message, ({ id }) => seen.push({ id, ack: false }));
      return seen;
    });
    // An ack is counted in its callback, as it is read: a promise would count it only after the events
    // read with it in one go.
    await Promise.all(
      senders.flatMap((sender, i) =>
        Array.from(
          { length: 40 },
          (_, k) =>
            new Promise<void>((resolve) => {
              const req = { to: k % 4 ? null : "Dee", text: `${sender.name} ${k}`, clientId: `${k}` };
              sender.socket.emit(CLIENT_EVENTS.send, req, (ack) => {
                arrivals[i]?.push({ id: sent(ack).id, ack: true });
                resolve();
              });
            }),
        ),
      ),
    );
    await fence(reader, ...senders);
    const ascending = (ids: number[]) => [...ids].sort((a, b) => a - b);
    const readerIds = reader.messages.map((m) => m.id);
    expect(readerIds).toEqual(ascending(readerIds));
    for (const seen of arrivals) {
      const events = seen.filter(({ ack }) => !ack).map(({ id }) => id);
      expect(events).toEqual(ascending(events));
      // So the highest id seen in events and acks is a safe `after` for sync. (An ack may come after
      // messages with larger ids: a sender's own message is not always the newest it has.)
      const overtaken = seen.filter(
        ({ id, ack }, i) => !ack && seen.slice(0, i).some((s) => s.ack && s.id > id),
      );
      expect(overtaken).toEqual([]);
    }
  });
});

describe("history:get, as section 5 describes it", () => {
  it("serves 50 by default, and refuses a limit or before out of range", async () => {
    const ann = await users.login("Ann");
    const ids: number[] = [];
    for (let i = 0; i < LIMITS.historyPageDefault + 5; i++) ids.push(sent(await ann.send(null, `m${i}`)).id);
    const page = await ann.history(null);
    expect(page.ok && page.messages.map((m) => m.id)).toEqual(ids.slice(5));
    for (const bad of [{ limit: 0 }, { limit: LIMITS.historyPageMax + 1 }, { limit: 1.5 }, { before: 0 }]) {
      expect(await ann.history(null, bad)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
  });

  it("gives an empty list for a name nobody held or an identity never written with, and matches names as logins do", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const between = sent(await ann.send("Bob", "hi Bob"));
    expect(await ann.history("Nobody")).toEqual({ ok: true, messages: [] });
    expect(await ann.history("BOB", { withId: ann.id })).toEqual({ ok: true, messages: [] });
    expect(await ann.history("ｂｏｂ", { withId: bob.id })).toEqual({
      ok: true,
      messages: [between],
    });
    expect(await ann.history(null, { withId: bob.id })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
  });
});

describe("sync, as section 6 describes it", () => {
  it("requires after, a whole number from 0, or null for the whole chat", async () => {
    const ann = await users.login("Ann");
    const early = sent(await ann.send(null, "before Bob came"));
    const bob = await users.login("Bob");
    const missing = await bob.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.sync, {} as never);
    expect(missing).toEqual({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST, message: "after is missing." },
    });
    for (const after of [-1, 1.5, "0"]) {
      expect(await bob.sync(after as number)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
    expect(await bob.sync(null)).toEqual({ ok: true, messages: [early], more: false });
  });

  it("ends a page once its text passes the limit counted in UTF-16 units, never before the first message", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const long = WIDE.repeat(LIMITS.textMaxLength);
    const fit = Math.floor(LIMITS.syncPageMaxChars / long.length);
    const ids: number[] = [];
    for (let i = 0; i < fit + 2; i++) ids.push(sent(await ann.send(null, long)).id);
    const first = await bob.sync(null);
    expect(first.ok && first.messages.map((m) => m.id)).toEqual(ids.slice(0, fit));
    expect(first.ok && first.more).toBe(true);
  });
});
