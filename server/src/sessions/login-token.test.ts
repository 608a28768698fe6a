import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser, fence } from "../test-support/chat-client.js";
import { chatPerTest } from "../test-support/chat-per-test.js";
import { loseNextAnswer } from "../test-support/chat-server.js";
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

  it("gives the session the client's token, which resumes it like any other", async () => {
    const auth = { name: "Ann", newToken: newToken() };
    const ann = await users.connect(auth);
    expect(ann.token).toBe(auth.newToken);
    const tab = await users.connect({ token: auth.newToken });
    expect(tab.session).toEqual(ann.session);
  });

  it("refuses a token a session ever had, with SESSION_EXPIRED, and holds no name for it", async () => {
    const auth = { name: "Ann", newToken: newToken() };
    const ann = await users.connect(auth);
    const disconnected = new Promise((resolve) => ann.socket.once("disconnect", resolve));
    ann.socket.emit(CLIENT_EVENTS.logout);
    await disconnected;
    for (const name of ["Ann", "Cid"]) {
      const refused = await users.refusal(ChatUser.connect(scene.chat.url, { ...auth, name }));
      expect(refused.code).toBe(ErrorCode.SESSION_EXPIRED);
    }
    expect((await users.login("Cid")).name).toBe("Cid");
    expect((await users.login("Ann")).token).not.toBe(auth.newToken);
  });

  it("refuses a token shorter or other than the server's own kind with BAD_REQUEST", async () => {
    const refused = await users.refusal(ChatUser.connect(scene.chat.url, { name: "Ann", newToken: "1234" }));
    expect(refused.code).toBe(ErrorCode.BAD_REQUEST);
    expect(refused.data?.message).toMatch(/^newToken: 32 random bytes/);
    expect((await users.login("Ann")).name).toBe("Ann");
  });
});
