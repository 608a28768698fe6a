import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS, SESSION_ENDED, type UserSummary } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatUser, Refused } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);
/** Who sees the others leave, so that a test knows when a grace window has passed. */
let watcher: ChatUser;

beforeEach(async () => {
  chat = await startChat({ presenceGraceMs: 200 });
  watcher = await users.login("Watcher");
});

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

const named = (name: string) => (u: UserSummary) => u.name === name;

/** Ann's token, once her connection has been gone longer than the grace window and her name is free. */
async function annGoneTooLong(): Promise<string> {
  const ann = await users.login("Ann");
  const left = watcher.next(SERVER_EVENTS.left, named("Ann"));
  ann.close();
  await left;
  return ann.token;
}

async function resume(token: string): Promise<Refused> {
  return users.refusal(users.connect({ token }));
}

async function logout(user: ChatUser): Promise<void> {
  const disconnected = new Promise((resolve) => user.socket.once("disconnect", resolve));
  user.socket.emit(CLIENT_EVENTS.logout);
  await disconnected;
}

describe("resuming an ended session", () => {
  it("says that someone else is now using the name, when another identity took it meanwhile", async () => {
    const token = await annGoneTooLong();
    await users.login("ann");
    const refused = await resume(token);
    expect(refused.code).toBe(ErrorCode.SESSION_EXPIRED);
    expect(refused.data?.message).toBe('Someone else is now using the name "Ann".');
  });

  it("says only that the session ended, when the name is free again", async () => {
    const token = await annGoneTooLong();
    await logout(await users.login("ann"));
    const refused = await resume(token);
    expect(refused).toMatchObject({ code: ErrorCode.SESSION_EXPIRED, data: { message: SESSION_ENDED } });
  });

  it("says only that the session ended, after a logout", async () => {
    const ann = await users.login("Ann");
    await logout(ann);
    const refused = await resume(ann.token);
    expect(refused).toMatchObject({ code: ErrorCode.SESSION_EXPIRED, data: { message: SESSION_ENDED } });
  });

  it("says nothing of anyone's name for a token never used", async () => {
    await users.login("Ann");
    const refused = await resume("never-used-token");
    expect(refused).toMatchObject({ code: ErrorCode.SESSION_EXPIRED, data: { message: SESSION_ENDED } });
  });
});
