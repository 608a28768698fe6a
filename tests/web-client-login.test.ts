import { SERVER_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { useSession } from "../client/src/stores/session.js";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { loseNextAnswer, type RunningChat, startChat } from "../server/src/test-support/chat-server.js";
import { startWebClient, type WebClient } from "./support/web-client.js";

let chat: RunningChat | undefined;
let client: WebClient | undefined;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const socket of client?.sockets ?? []) socket.disconnect();
  for (const user of users.splice(0)) user.close();
  await chat?.close();
  chat = client = undefined;
});

describe("the web client's login", () => {
  it("ends as the identity it made when its connection drops before the server's answer", async () => {
    chat = await startChat();
    const bob = await ChatUser.login(chat.url, "Bob");
    users.push(bob);
    client = startWebClient(chat.url);
    const session = useSession();
    // The server logs the first attempt in, but its answer is lost with the connection.
    loseNextAnswer(chat);
    await client.connection.login("Ann");
    const joined = await bob.next(SERVER_EVENTS.joined, (u) => u.name === "Ann");

    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("connected");
    expect(session.name).toBe("Ann");
    expect(session.id).toBe(joined.id);
    expect(session.notice).toBeNull();
    // One identity for the others too: the one that joined, never a second one.
    expect(bob.events.filter((e) => e.event === SERVER_EVENTS.joined)).toHaveLength(1);
  });
});
