import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { launchChromium } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

let browser: Browser;
let server: ServerProcess;
let bob: ChatUser | null = null;

beforeAll(async () => {
  server = await startServerProcess({
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-rate-")),
    MESSAGES_PER_SECOND: "1",
    MESSAGE_BURST: "0",
  });
  browser = await launchChromium();
});

afterAll(async () => {
  bob?.close();
  await browser?.close();
  await server?.kill("SIGTERM");
});

describe("the client over the message rate limit", () => {
  it("holds back what the server refused as too fast and sends it when allowed: nothing fails, nothing is lost", async () => {
    const alice = await ChatPage.open(browser, server.url);
    await alice.login("Alice");
    bob = await ChatUser.login(server.url, "Bob");
    const typed = ["one", "two", "three", "four"];
    for (const text of typed) await alice.say(alice.group, text);

    await expect
      .poll(() => alice.page.locator('[data-testid="message"][data-state="sent"]').count(), {
        timeout: 20_000,
      })
      .toBe(typed.length);
    expect(await alice.page.getByTestId("retry").count()).toBe(0);
    await expect.poll(() => bob?.messages.map((m) => m.text).sort()).toEqual([...typed].sort());
    await alice.close();
  });
});
