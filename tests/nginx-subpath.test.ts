import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { launchChromium } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { type Nginx, startNginx } from "./support/nginx.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

let browser: Browser;
let server: ServerProcess;
let nginx: Nginx;

beforeAll(async () => {
  server = await startServerProcess({
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-e2e-")),
    BASE_PATH: "/chat/",
    TRUST_PROXY: "1",
    NODE_ID: "n1",
  });
  nginx = await startNginx({ n1: server.port, n2: server.port });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await server?.kill("SIGTERM");
});

describe("the chat behind the shipped nginx config, under /chat/", () => {
  it("works in Chromium at the sub-path, with long-polling kept on its node and the upgrade to WebSocket", async () => {
    const url = `${nginx.origin}/chat/`;
    const ann = await ChatPage.open(browser, url);
    await ann.login("Ann");
    // A client that stays on long-polling: every request of its session must reach the node that holds it.
    const bob = await ChatUser.login(nginx.origin, "Bob", {
      path: "/chat/socket.io",
      transports: ["polling"],
    });
    await ann.onlineUser("Bob").waitFor();

    await ann.say(ann.group, "through the proxy");
    await bob.waitFor("message", (m: { text: string }) => m.text === "through the proxy");
    expect((await bob.send("Ann", "and back")).ok).toBe(true);
    await ann.message(ann.privateWindow("Bob"), "and back").waitFor();
    expect(bob.socket.io.engine.transport.name).toBe("polling");

    // The page's own socket went to /chat/socket.io and upgraded past nginx to a WebSocket.
    const transport = await ann.page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((entry) => entry.name)
        .find((name) => name.includes("/chat/socket.io/")),
    );
    expect(transport).toBeDefined();

    // A bare /chat is sent to /chat/, where the relative asset URLs resolve.
    const bare = await fetch(`${nginx.origin}/chat`, { redirect: "manual" });
    expect(bare.headers.get("location")).toMatch(/\/chat\/$/);

    bob.close();
    await ann.close();
  });
});
