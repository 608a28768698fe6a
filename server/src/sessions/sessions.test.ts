import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatUser, sent } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
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

describe("login", () => {
  it("greets with session then the full online list, me included", async () => {
    const ann = await users.login("Ann");
    const bob = await users.login("  Bob ");
    expect(bob.events.slice(0, 2).map((e) => e.event)).toEqual([SERVER_EVENTS.session, SERVER_EVENTS.users]);
    expect(bob.session?.name).toBe("Bob");
    expect(bob.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect([...bob.online].sort()).toEqual(["Ann", "Bob"]);
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    expect([...ann.online].sort()).toEqual(["Ann", "Bob"]);
  });

  it("sends others a delta on join, never the full list again, and never anyone's token", async () => {
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    await users.login("Cid");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Cid");
    expect(ann.events.filter((e) => e.event === SERVER_EVENTS.users)).toHaveLength(1);
    expect(JSON.stringify(ann.events)).not.toContain(bob.token);
    expect(ann.events.find((e) => e.event === SERVER_EVENTS.joined)?.payload).toEqual({
      name: "Bob",
      id: expect.any(String),
      v: expect.any(String),
    });
  });

  it("refuses a name held by an online user, whatever its case, width or spacing", async () => {
    await users.login("Bob");
    await users.login("Ann Lee");
    for (const name of ["Bob", "BOB", " bob ", "ｂｏｂ", "Ann  Lee", "Ann\u00a0Lee"]) {
      const refused = await users.refusal(ChatUser.login(chat.url, name));
      expect(refused.code).toBe(ErrorCode.NAME_TAKEN);
      expect(refused.data?.message).toMatch(/taken/);
    }
  });

  it("refuses a name that differs only in Unicode normalisation, ligatures or case folding", async () => {
    await users.login("René");
    await users.login("straße");
    await users.login("ﬁsh");
    for (const name of ["Rene\u0301", "RENÉ", "STRASSE", "Strasse", "fish", "FISH"]) {
      expect((await users.refusal(ChatUser.login(chat.url, name))).code).toBe(ErrorCode.NAME_TAKEN);
    }
  });

  it("refuses a name that differs only in characters that show nothing", async () => {
    await users.login("Bob941");
    for (const invisible of ["\uFE0F", "\u3164", "\u034F", "\u{E0100}"]) {
      expect((await users.refusal(ChatUser.login(chat.url, `Bob941${invisible}`))).code).toBe(
        ErrorCode.NAME_TAKEN,
      );
    }
    const blank = await users.refusal(ChatUser.login(chat.url, "\u3164"));
    expect(blank.code).toBe(ErrorCode.NAME_INVALID);
  });

  it("refuses a lookalike of an online user's name from another script, until they log out", async () => {
    const alice = await users.login("Alice");
    for (const lookalike of ["\u0410lice", "\u0391lice", "\u{1D400}lice", "A1ice"]) {
      const refused = await users.refusal(ChatUser.login(chat.url, lookalike));
      expect(refused.code).toBe(ErrorCode.NAME_TAKEN);
      expect(refused.data?.message).toContain(`The name "${lookalike}" is taken.`);
    }
    const disconnected = new Promise((resolve) => alice.socket.once("disconnect", resolve));
    alice.socket.emit(CLIENT_EVENTS.logout);
    await disconnected;
    const cyrillic = await users.login("\u0410lice");
    expect(cyrillic.session?.name).toBe("\u0410lice"); // shown as typed
  });

  it("refuses invalid names with NAME_INVALID and a text", async () => {
    for (const auth of [{ name: "" }, { name: "a".repeat(33) }, { name: "x\u200by" }, {}, { name: 7 }]) {
      const refused = await users.refusal(ChatUser.connect(chat.url, auth));
      expect(refused.code).toBe(ErrorCode.NAME_INVALID);
      expect(refused.data?.message.length).toBeGreaterThan(0);
    }
  });
});

describe("resume", () => {
  it("gives the same identity and name back by token, silently for others", async () => {
    const ann = await users.login("Ann");
    const bob = await users.login("Bob");
    const token = bob.token;
    const again = await ChatUser.connect(chat.url, { token });
    users.add(again);
    expect(again.session).toEqual({ name: "Bob", id: bob.session?.id, token });
    // Bob now has two sockets: a message to Bob reaches the new one too.
    await again.receivedIds([sent(await ann.send("Bob", "to both tabs")).id]);
    expect(
      ann.events.filter((e) => e.event === SERVER_EVENTS.joined && e.payload.name === "Bob"),
    ).toHaveLength(1);
  });

  it("refuses an unknown token with SESSION_EXPIRED", async () => {
    const refused = await users.refusal(ChatUser.connect(chat.url, { token: "not-a-real-token" }));
    expect(refused.code).toBe(ErrorCode.SESSION_EXPIRED);
  });

  it("logs in by name when the token is null, as a client with nothing saved may send it", async () => {
    const ann = await ChatUser.connect(chat.url, { token: null, name: "Ann" });
    users.add(ann);
    expect(ann.name).toBe("Ann");
  });
});
