import { afterEach, beforeEach } from "vitest";
import { type RunningChat, startChat } from "./chat-server.js";
import { TestUsers } from "./test-users.js";

/** A server of its own for each test, and the users the test connects to it. */
export interface ChatPerTest {
  /** The server of the test under way. */
  readonly chat: RunningChat;
  readonly users: TestUsers;
}

/**
 * Starts a server with `options` before each test of the enclosing file or `describe`, and closes it and
 * the users the test connected after it.
 */
export function chatPerTest(options?: Parameters<typeof startChat>[0]): ChatPerTest {
  let chat: RunningChat | undefined;
  const running = (): RunningChat => {
    if (!chat) throw new Error("no server: only a test (or its hooks) can reach it");
    return chat;
  };
  const users = new TestUsers(() => running().url);
  beforeEach(async () => {
    chat = await startChat(options);
  });
  afterEach(async () => {
    users.closeAll();
    await chat?.close();
    chat = undefined;
  });
  return {
    get chat() {
      return running();
    },
    users,
  };
}
