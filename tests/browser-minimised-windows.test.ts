import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();
const laptop = { viewport: { width: 1280, height: 720 } };

/** The window's minimise/restore button: one name, its state in aria-expanded. */
function toggle(window: Locator, peer: string): Locator {
  return window.getByRole("button", { name: `Messages with ${peer}` });
}

/** Whether the keyboard is on this element. */
function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement);
}

describe("a minimised private window, in Chromium", () => {
  it("shrinks to its title bar, counts what arrives unread, and comes back with its messages, draft and place", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url, laptop);
    await reader.login("Mina");
    const pete = await ChatUser.login(started.server.url, "Pete");
    for (let i = 1; i <= 30; i++) expect((await pete.send("Mina", `earlier ${i}`)).ok).toBe(true);
    await reader.onlineUser("Pete").click();
    const window = reader.privateWindow("Pete");
    await reader.message(window, "earlier 30").waitFor();
    await expect.poll(() => reader.typesInto(window)).toBe(true);
    await window.getByTestId("composer").fill("half a reply");
    // Reading back, a few messages up from the newest.
    const list = window.getByTestId("messages");
    await reader.message(window, "earlier 10").scrollIntoViewIfNeeded();
    await reader.page.evaluate(
      () => new Promise((frame) => requestAnimationFrame(() => requestAnimationFrame(frame))),
    );
    const place = await reader.visibleTexts(window);
    expect(place).toContain("earlier 10");
    expect(place).not.toContain("earlier 30");
    const groupHeight = async () => (await reader.group.boundingBox())?.height ?? 0;
    const groupBefore = await groupHeight();

    // Minimised: the bar with the name stays, the messages and the composer go, and the group chat takes the room.
    const button = toggle(window, "Pete");
    expect(await button.getAttribute("aria-expanded")).toBe("true");
    await button.click();
    await list.waitFor({ state: "hidden" });
    expect(await window.getByTestId("composer").isVisible()).toBe(false);
    expect(await window.locator("h2").textContent()).toBe("Pete");
    expect(await window.locator("h2").isVisible()).toBe(true);
    expect(await button.getAttribute("aria-expanded")).toBe("false");
    expect(await hasFocus(button)).toBe(true);
    expect(await window.getByTestId("peer-state").textContent()).toContain("online");
    await expect.poll(groupHeight).toBeGreaterThan(groupBefore + 150);

    // A message while minimised: on the page, counted unread on the bar, and not read.
    expect((await pete.send("Mina", "while you were away")).ok).toBe(true);
    await reader.message(window, "while you were away").waitFor({ state: "attached" });
    expect(await window.getByTestId("unread").textContent()).toBe("1");
    await expect.poll(() => reader.page.title()).toMatch(/^\(1\) /);

    // Restored from the keyboard: the messages, the draft and the place in them are back, and read.
    await button.press("Enter");
    await list.waitFor({ state: "visible" });
    expect(await button.getAttribute("aria-expanded")).toBe("true");
    await expect.poll(() => reader.typesInto(window)).toBe(true);
    expect(await window.getByTestId("composer").inputValue()).toBe("half a reply");
    expect(await reader.texts(window)).toContain("while you were away");
    // The same messages in view: the reader, reading back, is not moved to the newest.
    expect(await reader.visibleTexts(window)).toEqual(place);
    await window.getByTestId("unread").waitFor({ state: "detached" });
    await expect.poll(() => reader.page.title()).not.toMatch(/^\(/);
    pete.close();
    await reader.close();
  });

  it("stays minimised across a reload, and the online list or a click on its bar brings it back", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url, laptop);
    await reader.login("Rhea");
    const peers = await Promise.all(["Sam", "Tod"].map((name) => ChatUser.login(started.server.url, name)));
    for (const peer of peers) expect((await peer.send("Rhea", `hi from ${peer.name}`)).ok).toBe(true);
    const [sam, tod] = [reader.privateWindow("Sam"), reader.privateWindow("Tod")];
    await reader.message(tod, "hi from Tod").waitFor();
    await toggle(sam, "Sam").click();
    await toggle(tod, "Tod").click();
    await sam.getByTestId("messages").waitFor({ state: "hidden" });

    await reader.page.reload();
    await reader.page.getByTestId("my-name").waitFor();
    for (const [window, name] of [
      [sam, "Sam"],
      [tod, "Tod"],
    ] as const) {
      await window.locator("h2").waitFor();
      expect(await toggle(window, name).getAttribute("aria-expanded")).toBe("false");
      expect(await window.getByTestId("messages").isVisible()).toBe(false);
    }
    // Unread from before the reload, still counted on the bar.
    expect(await sam.getByTestId("unread").textContent()).toBe("1");

    await reader.onlineUser("Sam").click();
    await expect.poll(() => reader.typesInto(sam)).toBe(true);
    await sam.getByTestId("unread").waitFor({ state: "detached" });
    await tod.locator("h2").click();
    await expect.poll(() => reader.typesInto(tod)).toBe(true);
    expect(await reader.texts(tod)).toEqual(["hi from Tod"]);
    for (const peer of peers) peer.close();
    await reader.close();
  });

  it("on a phone, lists every minimised window across the screen's width, and closes one from its bar", async () => {
    const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
    const reader = await ChatPage.open(started.browser, started.server.url, phone);
    await reader.login("Pip");
    const uma = await ChatUser.login(started.server.url, "Uma");
    expect((await uma.send("Pip", "hello phone")).ok).toBe(true);
    const window = reader.privateWindow("Uma");
    await reader.message(window, "hello phone").waitFor();
    await toggle(window, "Uma").tap();
    await window.getByTestId("messages").waitFor({ state: "hidden" });
    const [bar, dock] = [await window.boundingBox(), await reader.page.locator(".dock").boundingBox()];
    expect(Math.abs((bar?.width ?? 0) - (dock?.width ?? 0))).toBeLessThan(2);
    expect(bar?.height).toBeLessThan(60);
    expect(await reader.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await window.getByTestId("close-window").tap();
    await window.waitFor({ state: "detached" });
    uma.close();
    await reader.close();
  });
});
