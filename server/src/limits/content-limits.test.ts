import { CLIENT_EVENTS, ErrorCode } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatUser, Refused } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";

let chat: RunningChat;
const users: ChatUser[] = [];

beforeEach(async () => {
  chat = await startChat({ limits: { textMaxLength: 10, nameMaxLength: 5, historyPageMax: 60 } });
});

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

describe("content limits set below the protocol's", () => {
  it("refuse longer text with TEXT_INVALID and store nothing, counting code points", async () => {
    const ann = await ChatUser.login(chat.url, "Ann");
    users.push(ann);
    expect(await ann.send(null, "x".repeat(11))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.TEXT_INVALID, message: expect.stringMatching(/at most 10/) },
    });
    expect(await ann.send(null, "😀".repeat(10))).toMatchObject({ ok: true });
    expect(await ann.sync(null)).toMatchObject({ ok: true, messages: [{ text: "😀".repeat(10) }] });
  });

  it("refuse longer text where the protocol's limit is checked, before clientId and the recipient", async () => {
    const ann = await ChatUser.login(chat.url, "Ann");
    users.push(ann);
    for (const payload of [
      { to: null, text: "x".repeat(11), clientId: "" },
      { to: "Nobody", text: "x".repeat(11), clientId: "a" },
    ]) {
      const ack = await ann.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.send, payload);
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.TEXT_INVALID } });
    }
  });

  it("refuse longer names with NAME_INVALID", async () => {
    const refused = await ChatUser.login(chat.url, "Sixsix").then(
      (user) => {
        users.push(user);
        return null;
      },
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(Refused);
    expect((refused as Refused).code).toBe(ErrorCode.NAME_INVALID);
    users.push(await ChatUser.login(chat.url, "Fiver"));
  });

  it("refuse larger history pages with BAD_REQUEST, and serve the default page", async () => {
    const ann = await ChatUser.login(chat.url, "Ann");
    users.push(ann);
    expect(await ann.history(null, { limit: 61 })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    expect(await ann.history(null, { limit: 60 })).toMatchObject({ ok: true });
    expect(await ann.history(null)).toMatchObject({ ok: true });
  });
});
