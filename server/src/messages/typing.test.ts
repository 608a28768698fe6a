import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import type { Limits } from "../limits/settings.js";
import { type ChatUser, fence } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

async function start(limits: Partial<Limits> = {}): Promise<void> {
  chat = await startChat({ limits: { messagesPerSecond: 0, ...limits } });
}

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

const typingNotices = (user: ChatUser) => user.events.filter((e) => e.event === SERVER_EVENTS.typing);

describe("typing notices", () => {
  it("reach every tab of the peer, naming the session's identity whatever the payload claims, and no one else", async () => {
    await start();
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const [annTab, bobTab] = [await users.tab(ann), await users.tab(bob)];
    const ack = await ann.socket
      .timeout(5000)
      .emitWithAck(CLIENT_EVENTS.typing, { to: "bob", from: "Cid", id: cid.session?.id } as never);
    expect(ack).toEqual({ ok: true });
    const annSummary = { name: "Ann", id: ann.session?.id };
    for (const user of [bob, bobTab]) expect(await user.waitFor(SERVER_EVENTS.typing)).toEqual(annSummary);
    await fence(ann, bob, bobTab, annTab, cid);
    for (const user of [ann, annTab, cid]) expect(typingNotices(user)).toEqual([]);
    for (const user of [bob, bobTab]) expect(typingNotices(user)).toHaveLength(1);
  });

  it("are refused for the group, unknown names, oneself and a name someone else holds now, telling nobody", async () => {
    await start();
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const earlierBobId = bob.id;
    const refusals = [
      await ann.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.typing, { to: null } as never),
      await ann.typing("Nobody"),
      await ann.typing("ANN"),
    ];
    expect(refusals.map((r) => !r.ok && r.error.code)).toEqual([
      ErrorCode.BAD_REQUEST,
      ErrorCode.NO_SUCH_USER,
      ErrorCode.NO_SUCH_USER,
    ]);

    bob.socket.emit(CLIENT_EVENTS.logout);
    await ann.waitFor(SERVER_EVENTS.left, (u) => u.name === "Bob");
    const laterBob = await users.login("Bob");
    expect(await ann.typing("Bob", earlierBobId)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.USER_OFFLINE },
    });
    await fence(ann, laterBob);
    expect(typingNotices(laterBob)).toEqual([]);
  });

  it("have a rate limit of their own, which leaves messages alone", async () => {
    await start({ typingPerSecond: 1, typingBurst: 0, messagesPerSecond: 5 });
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    expect(await ann.typing("Bob")).toEqual({ ok: true });
    expect(await ann.typing("Bob")).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    expect((await ann.send("Bob", "still sent")).ok).toBe(true);
    await fence(ann, bob);
    expect(typingNotices(bob)).toHaveLength(1);
  });
});
