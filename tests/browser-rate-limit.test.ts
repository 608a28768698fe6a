import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SYNC_OVERLAP } from "@chat/shared";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { launchChromium } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

let browser: Browser;
let server: ServerProcess;
let bob: ChatUser | null = null;
const others: ChatUser[] = [];

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
  for (const user of others) user.close();
  await browser?.close();
  await server?.kill("SIGTERM");
});

describe("the client over the message rate limit", () => {
  it("holds back what the server refused as too fast and sends it when allowed: nothing fails, nothing is lost, nothing swaps", async () => {
    const alice = await ChatPage.open(browser, server.url);
    await alice.login("Alice");
    bob = await ChatUser.login(server.url, "Bob");
    const typed = ["one", "two", "three", "four", "five", "six"];
    for (const text of typed) await alice.say(alice.group, text);

    await expect
      .poll(() => alice.page.locator('[data-testid="message"][data-state="sent"]').count(), {
        timeout: 20_000,
      })
      .toBe(typed.length);
    expect(await alice.page.getByTestId("retry").count()).toBe(0);
    // In the order typed, for everyone: the server numbers messages as they arrive.
    await expect.poll(() => bob?.messages.map((m) => m.text), { timeout: 20_000 }).toEqual(typed);
    expect(await alice.texts(alice.group)).toEqual(typed);
    await alice.close();
  });
});

describe("the client over the read rate limit", () => {
  it("loads every open window's history after a reload, however many pages it asks for at once", async () => {
    // One read per second: a reload asks for the group's page, each window's page and a sync at once.
    const strict = await startServerProcess({
      PORT: "0",
      DATA_DIR: mkdtempSync(join(tmpdir(), "chat-reads-")),
      READS_PER_SECOND: "1",
      READ_BURST: "0",
      MESSAGES_PER_SECOND: "0",
    });
    try {
      const alice = await ChatPage.open(browser, strict.url);
      await alice.login("Alice");
      const peers = ["Bob", "Carol", "Dave"];
      for (const name of peers) {
        const peer = await ChatUser.login(strict.url, name);
        others.push(peer);
        await peer.send("Alice", `hello from ${name}`);
        await alice.message(alice.privateWindow(name), `hello from ${name}`).waitFor();
      }
      // Enough group messages after them that a sync from the newest id, with its overlap, does not
      // reach back to the private ones: only each window's history page brings them back.
      const chatter = others[0] as ChatUser;
      for (let i = 0; i <= SYNC_OVERLAP; i++) await chatter.send(null, `group ${i}`);
      await alice.message(alice.group, `group ${SYNC_OVERLAP}`).waitFor();

      await alice.page.reload();
      for (const name of peers) {
        await alice.message(alice.privateWindow(name), `hello from ${name}`).waitFor({ timeout: 20_000 });
      }
      await alice.close();
    } finally {
      await strict.kill("SIGTERM");
    }
  });
});
