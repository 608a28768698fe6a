import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();

/** The window's unread badge, as the reader sees it: its count, or null when there is none. */
async function badge(window: Locator): Promise<string | null> {
  const unread = window.getByTestId("unread");
  return (await unread.count()) === 0 ? null : unread.textContent();
}

/** A tab signed in as `name`, and its duplicate, resumed as the same identity. */
async function tabAndDuplicate(name: string): Promise<[ChatPage, ChatPage]> {
  const tab = await ChatPage.open(started.browser, started.server.url);
  await tab.login(name);
  const copy = await tab.duplicate();
  await copy.page.getByTestId("my-name").getByText(name, { exact: true }).waitFor();
  return [tab, copy];
}

describe("reading in one tab of an identity, in Chromium", () => {
  it("clears the group's count and the title in the duplicated tab, keeping its line, and counts what comes after", async () => {
    const [alice, copy] = await tabAndDuplicate("AliceR1");
    // Another tab of the same browser, signed in as someone else: her counts are her own.
    const carol = await alice.newTab();
    await carol.login("CarolR1");
    const bob = await ChatUser.login(started.server.url, "BobR1");
    for (const tab of [alice, copy, carol]) await tab.setHidden(true);

    for (const text of ["one", "two"]) await bob.send(null, text);
    for (const tab of [alice, copy, carol]) {
      await tab.message(tab.group, "two").waitFor();
      await expect.poll(() => tab.page.title()).toBe("(2) Chat");
    }

    // Back in the first tab: the group chat is read there, and so in the duplicate, hidden as it is.
    await alice.setHidden(false);
    await expect.poll(() => badge(alice.group)).toBeNull();
    await expect.poll(() => badge(copy.group)).toBeNull();
    await expect.poll(() => copy.page.title()).toBe("Chat");
    await copy.group.getByTestId("new-line").waitFor();
    expect(await badge(carol.group)).toBe("2");
    await expect.poll(() => carol.page.title()).toBe("(2) Chat");

    // What comes after the read is new in both tabs.
    await alice.setHidden(true);
    await bob.send(null, "three");
    for (const tab of [alice, copy]) await tab.message(tab.group, "three").waitFor();
    await expect.poll(() => badge(copy.group)).toBe("1");
    await expect.poll(() => copy.page.title()).toBe("(1) Chat");
    bob.close();
    await alice.close();
  });

  it("clears a private conversation's count in the duplicated tab as its window is read in the first", async () => {
    const [alice, copy] = await tabAndDuplicate("AliceR2");
    const bob = await ChatUser.login(started.server.url, "BobR2");

    await bob.send("AliceR2", "just to you");
    const [first, second] = [alice.privateWindow("BobR2"), copy.privateWindow("BobR2")];
    await alice.message(first, "just to you").waitFor();
    await copy.message(second, "just to you").waitFor();
    await expect.poll(() => badge(second)).toBe("1");
    await expect.poll(() => copy.page.title()).toBe("(1) Chat");

    // The reader goes to the window in the first tab, to answer there.
    await first.getByTestId("composer").click();
    await expect.poll(() => badge(first)).toBeNull();
    await expect.poll(() => badge(second)).toBeNull();
    await expect.poll(() => copy.page.title()).toBe("Chat");

    // What arrives while they are in it is read as it comes, in the duplicate too.
    await bob.send("AliceR2", "and this");
    await alice.message(first, "and this").waitFor();
    await copy.message(second, "and this").waitFor();
    await expect.poll(() => badge(second)).toBeNull();
    await expect.poll(() => copy.page.title()).toBe("Chat");
    bob.close();
    await alice.close();
  });
});
