import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import type { ChatUser, Received } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

/* docs/PROTOCOL.md, section 3, "Resuming with the list you have". */
let chat: RunningChat;
const users = new TestUsers(() => chat.url);

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

/** Closes `user`'s connection as a network failure would (the client could reconnect), if it has one. */
async function drop(user: ChatUser): Promise<void> {
  if (!user.socket.connected) return;
  const dropped = new Promise((resolve) => user.socket.once("disconnect", resolve));
  user.socket.io.engine.close();
  await dropped;
}

/**
 * Drops `user`'s connection and connects the same client again, still holding its list, with `presence` in
 * its auth; resolves with the events of the new connection's greeting that follow `session`.
 */
async function resume(user: ChatUser, presence: unknown = user.presenceVersion): Promise<Received[]> {
  const from = user.events.length;
  await drop(user);
  const listed = new Promise<void>((resolve) => {
    const listener = (event: string) => {
      if (event !== SERVER_EVENTS.users && event !== SERVER_EVENTS.usersSince) return;
      user.socket.offAny(listener);
      resolve();
    };
    user.socket.onAny(listener);
  });
  user.socket.auth = { token: user.token, presence };
  user.socket.connect();
  await listed;
  return user.events.slice(from + 1);
}

describe("a resume with the version of the list the client holds", () => {
  it("is greeted with what changed since, empty after a drop in which nothing did", async () => {
    chat = await startChat();
    const ann = await users.login("Ann");
    await users.login("Bob");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    const held = ann.presenceVersion;

    expect(await resume(ann)).toEqual([
      { event: SERVER_EVENTS.usersSince, payload: { since: held, listed: [], left: [], v: held } },
    ]);
    expect([...ann.online].sort()).toEqual(["Ann", "Bob"]);
  });

  it("says who left and who is listed now, so the list held becomes the list a login gets", async () => {
    chat = await startChat({ presenceGraceMs: 30_000, presenceAwayMs: 0 });
    const ann = await users.login("Ann");
    const [bob, cid, dee] = [await users.login("Bob"), await users.login("Cid"), await users.login("Dee")];
    // Listed throughout: the changes must be fewer than the list to be sent as changes.
    for (const name of ["Gus", "Hal", "Ivy"]) await users.login(name);
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Ivy");
    const held = ann.presenceVersion;
    await drop(ann);

    // While Ann is gone: Bob logs out, Cid's connection drops (away), Eve and a new Bob log in.
    bob.socket.emit(CLIENT_EVENTS.logout);
    await dee.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    cid.close();
    await dee.waitFor(SERVER_EVENTS.away, (u) => u.name === "Cid");
    const eve = await users.login("Eve");
    const bobAgain = await users.login("Bob");
    await dee.waitFor(SERVER_EVENTS.joined, (u) => u.id === bobAgain.session?.id);

    const [changes] = await resume(ann, held);
    expect(changes?.event).toBe(SERVER_EVENTS.usersSince);
    expect(changes?.payload).toMatchObject({
      since: held,
      left: [{ name: "Bob", id: bob.session?.id }],
      listed: expect.arrayContaining([
        { name: "Cid", id: cid.session?.id, away: true },
        { name: "Eve", id: eve.session?.id },
        { name: "Bob", id: bobAgain.session?.id },
      ]),
    });
    // Ann herself, away while she was gone, is the fourth listed; Dee and the others, unchanged, are not.
    expect(changes?.payload).toHaveProperty("listed.length", 4);
    const fresh = await users.login("Fay");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Fay");
    expect([...ann.online].sort()).toEqual([...fresh.online].sort());
    expect([...ann.away]).toEqual(["Cid"]);
  });

  it("follows it with deltas, whose versions a later resume sends in turn", async () => {
    chat = await startChat();
    const ann = await users.login("Ann");
    await resume(ann);
    await users.login("Bob");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    expect(await resume(ann)).toMatchObject([
      { event: SERVER_EVENTS.usersSince, payload: { listed: [], left: [] } },
    ]);
    expect([...ann.online].sort()).toEqual(["Ann", "Bob"]);
  });

  it("gets the whole list for a version this process never gave, or when no fewer changed than are listed", async () => {
    chat = await startChat();
    const ann = await users.login("Ann");
    const [epoch] = (ann.presenceVersion ?? "").split(":");
    for (const unknown of ["x1:1", `${epoch}:99`, "", null])
      expect(
        (await resume(ann, unknown)).map(({ event }) => event),
        String(unknown),
      ).toEqual([SERVER_EVENTS.users]);
    const held = ann.presenceVersion;
    const bob = await users.login("Bob");
    await ann.waitFor(SERVER_EVENTS.joined, (u) => u.name === "Bob");
    // Bob changed, and two are listed: fewer changes than the list, so the changes.
    expect((await resume(ann, held)).map(({ event }) => event)).toEqual([SERVER_EVENTS.usersSince]);
    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    // Bob changed, and one is listed: the list says as much, so the list.
    expect((await resume(ann, held)).map(({ event }) => event)).toEqual([SERVER_EVENTS.users]);
  });

  it("refuses a version that is not short text with BAD_REQUEST", async () => {
    chat = await startChat();
    const ann = await users.login("Ann");
    ann.close();
    for (const presence of [7, { v: 1 }, "x".repeat(65)]) {
      const refused = await users.refusal(users.connect({ token: ann.token, presence }));
      expect(refused.code).toBe(ErrorCode.BAD_REQUEST);
    }
  });
});
