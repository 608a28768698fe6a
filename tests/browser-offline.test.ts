import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatMessage } from "@chat/shared";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { launchChromium } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

let browser: Browser;
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({ PORT: "0", DATA_DIR: mkdtempSync(join(tmpdir(), "chat-e2e-")) });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.kill("SIGTERM");
});

describe("the chat in Chromium over a flaky network", () => {
  it("shows what was missed while offline exactly once, delivers what was typed offline, and survives a reload", async () => {
    const alice = await ChatPage.open(browser, server.url);
    await alice.login("Alice");
    const bob = await ChatUser.login(server.url, "Bob");
    const carol = await ChatUser.login(server.url, "Carol");
    await alice.onlineUser("Carol").waitFor();

    // A message before the drop, so the reloaded page has something old to show as well.
    await bob.send(null, "before the drop");
    await alice.message(alice.group, "before the drop").waitFor();

    await alice.context.setOffline(true);
    await expect.poll(() => alice.status()).toBe("reconnecting");
    // The online list cannot follow anyone while offline, and says so.
    await alice.page.getByTestId("online-stale").waitFor();

    const missed = ["group one", "group two", "group three"];
    for (const text of missed) expect((await bob.send(null, text)).ok).toBe(true);
    expect((await carol.send(null, "group four")).ok).toBe(true);
    // Alice is inside her grace window: private messages to her are accepted and wait for her.
    for (const text of ["private one", "private two"]) expect((await bob.send("Alice", text)).ok).toBe(true);
    expect(bob.online.has("Alice")).toBe(true);

    await alice.say(alice.group, "typed while offline");
    await alice
      .message(alice.group, "typed while offline")
      .and(alice.page.locator('[data-state="queued"]'))
      .waitFor();

    await alice.context.setOffline(false);
    const delivered = bob.next<ChatMessage>("message", (m) => m.text === "typed while offline");
    await expect.poll(() => alice.status(), { timeout: 30_000 }).toBe("connected");
    await alice.page.getByTestId("online-stale").waitFor({ state: "detached" });
    expect((await delivered).from).toBe("Alice");

    const expectedGroup = ["before the drop", ...missed, "group four", "typed while offline"];
    const expectedPrivate = ["private one", "private two"];
    const showsEverythingOnce = async () => {
      await alice
        .message(alice.group, "typed while offline")
        .and(alice.page.locator('[data-state="sent"]'))
        .waitFor();
      for (const text of expectedPrivate) await alice.message(alice.privateWindow("Bob"), text).waitFor();
      // The whole list, in order: a message shown twice or missing would change it.
      expect(await alice.texts(alice.group)).toEqual(expectedGroup);
      expect(await alice.texts(alice.privateWindow("Bob"))).toEqual(expectedPrivate);
    };
    await showsEverythingOnce();
    // No login again: the same identity came back, and the others never saw Alice leave.
    expect(carol.events.some((e) => e.event === "user:left")).toBe(false);

    // A reload resumes the session from sessionStorage and brings back the open conversations' history.
    await alice.page.reload();
    await alice.page.getByTestId("my-name").getByText("Alice", { exact: true }).waitFor();
    await showsEverythingOnce();
    expect(await alice.page.getByTestId("login-name").count()).toBe(0);

    bob.close();
    carol.close();
    await alice.close();
  });
});
