import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

// More than a history page, faster than any person writes.
const started = browserAndServer({ MESSAGES_PER_SECOND: "0" });

async function sendMany(writer: ChatUser, count: number, prefix: string): Promise<void> {
  for (let i = 1; i <= count; i++) expect((await writer.send(null, `${prefix} ${i}`)).ok).toBe(true);
}

/** How far the list is scrolled above its bottom, in pixels. */
function distanceFromBottom(list: Locator): Promise<number> {
  return list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
}

function focusedTestId(reader: ChatPage): Promise<string | undefined> {
  return reader.page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid);
}

describe("the message list by keyboard in Chromium", () => {
  it("is passed through by Tab without losing the newest message, and goes on following what arrives", async () => {
    const writer = await ChatUser.login(started.server.url, "Typist");
    await sendMany(writer, 60, "passing");
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Tabber");
    await reader.message(reader.group, "passing 60").waitFor();
    const list = reader.group.getByTestId("messages");
    await expect.poll(() => distanceFromBottom(list)).toBeLessThan(2);

    // Backwards from the composer through the list, and forwards again: nothing scrolls on the way.
    const composer = reader.group.getByTestId("composer");
    await composer.focus();
    await reader.page.keyboard.press("Shift+Tab");
    expect(await distanceFromBottom(list)).toBeLessThan(2);
    expect(await focusedTestId(reader)).toBe("messages");
    await reader.page.keyboard.press("Shift+Tab");
    await reader.page.keyboard.press("Tab");
    await reader.page.keyboard.press("Tab");
    expect(await reader.typesInto(reader.group)).toBe(true);
    expect(await distanceFromBottom(list)).toBeLessThan(2);

    expect((await writer.send(null, "after the keyboard passed")).ok).toBe(true);
    await reader.message(reader.group, "after the keyboard passed").waitFor();
    await expect
      .poll(async () => (await reader.visibleTexts(reader.group)).at(-1))
      .toBe("after the keyboard passed");
    expect(await reader.group.getByTestId("new-below").count()).toBe(0);
    writer.close();
    await reader.close();
  });

  it("loads older messages from the keyboard: scrolled to the top, or by the button once it is in view", async () => {
    const writer = await ChatUser.login(started.server.url, "Elder");
    await sendMany(writer, 160, "old");
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Keyreader");
    await reader.message(reader.group, "old 160").waitFor();
    expect(await reader.texts(reader.group)).toHaveLength(50);

    // The list takes the focus and scrolls by keyboard: at the top the older page loads, as by a mouse.
    await reader.group.getByTestId("composer").focus();
    await reader.page.keyboard.press("Shift+Tab");
    await reader.page.keyboard.press("Home");
    await expect.poll(async () => (await reader.texts(reader.group)).length).toBe(100);

    // Scrolled up to just under the top, the button in view loads nothing until it is pressed, and it is
    // the next Tab stop after the list; pressed, it keeps the focus while the page loads.
    const list = reader.group.getByTestId("messages");
    await list.evaluate((el) => el.scrollTo(0, 1));
    const button = reader.group.getByTestId("load-older");
    // As of the list's scroll event, which comes with the next frame.
    await expect.poll(() => button.evaluate((el) => el.tabIndex)).toBe(0);
    await list.focus();
    await reader.page.keyboard.press("Tab");
    expect(await focusedTestId(reader)).toBe("load-older");
    expect(await reader.texts(reader.group)).toHaveLength(100);
    await reader.page.keyboard.press("Enter");
    await expect.poll(async () => (await reader.texts(reader.group)).length).toBe(150);
    expect(await focusedTestId(reader)).toBe("load-older");
    writer.close();
    await reader.close();
  });

  it("keeps the focus in the list when a button pressed there goes with what it did", async () => {
    const writer = await ChatUser.login(started.server.url, "Goner");
    await sendMany(writer, 110, "gone");
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Presser");
    await reader.message(reader.group, "gone 110").waitFor();
    const list = reader.group.getByTestId("messages");

    // Read back (a page older) far enough for the way back to the latest to show; pressed, it goes, and the
    // focus stays.
    await list.evaluate((el) => el.scrollTo(0, 0));
    await expect.poll(async () => (await reader.texts(reader.group)).length).toBe(100);
    await list.evaluate((el) => el.scrollTo(0, el.clientHeight));
    const latest = reader.group.getByTestId("new-below");
    await latest.focus();
    await reader.page.keyboard.press("Enter");
    await latest.waitFor({ state: "detached" });
    expect(await focusedTestId(reader)).toBe("messages");
    await expect.poll(() => distanceFromBottom(list)).toBeLessThan(2);

    // Older pages by the button, to the last: then it gives way to the conversation's start. (The group holds
    // this file's earlier tests' messages too.)
    const older = reader.group.getByTestId("load-older");
    const start = reader.group.getByTestId("conversation-start");
    for (let page = 0; page < 20 && (await start.count()) === 0; page++) {
      await list.evaluate((el) => el.scrollTo(0, 1));
      await expect.poll(() => older.evaluate((el) => el.tabIndex)).toBe(0);
      await older.focus();
      const height = await list.evaluate((el) => el.scrollHeight);
      await reader.page.keyboard.press("Enter");
      await expect.poll(() => list.evaluate((el) => el.scrollHeight)).toBeGreaterThan(height);
    }
    await start.waitFor();
    expect(await focusedTestId(reader)).toBe("messages");
    writer.close();
    await reader.close();
  });
});
