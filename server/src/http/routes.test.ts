import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";

let chat: RunningChat;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

function builtClient(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-client-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Chat</title>");
  return dir;
}

describe("an app served under a sub-path", () => {
  it("serves the page, health and Socket.IO under the base path, and nothing outside it", async () => {
    chat = await startChat({ basePath: "/chat/", clientDir: builtClient() });
    const get = (path: string) => fetch(`${chat.url}${path}`, { redirect: "manual" });

    expect(await (await get("/chat/")).text()).toContain("<title>Chat</title>");
    expect(await (await get("/chat/some/deep/link")).text()).toContain("<title>Chat</title>");
    const bare = await get("/chat");
    expect([bare.status, bare.headers.get("location")]).toEqual([301, "/chat/"]);
    expect((await get("/chat/healthz")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/")).status).toBe(404);

    const user = await ChatUser.login(chat.url, "Ann", { path: "/chat/socket.io" });
    users.push(user);
    expect(user.name).toBe("Ann");
    await expect(ChatUser.login(chat.url, "Bob", { timeout: 2_000 })).rejects.toThrow();
  });

  it("names its Engine.IO sessions after the node, so a proxy can route long-polling back to it", async () => {
    chat = await startChat({ nodeId: "n7" });
    const user = await ChatUser.login(chat.url, "Ann", { transports: ["polling"] });
    users.push(user);
    expect(user.socket.io.engine.id).toMatch(/^n7-[\w-]{20}$/);
  });
});
