import { CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

// The history test writes 120 messages as fast as it can: faster than any person, so no send limit. Texts
// are limited below the protocol's, as an operator may: the client cannot know, and the server refuses.
const started = browserAndServer({ MESSAGES_PER_SECOND: "0", TEXT_MAX_LENGTH: "1000" });

describe("conversations in Chromium", () => {
  it("loads older history when scrolled to the top, oldest first, until the beginning", async () => {
    const writer = await ChatUser.login(started.server.url, "Writer");
    for (let i = 1; i <= 120; i++) expect((await writer.send(null, `history ${i}`)).ok).toBe(true);
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Reader");
    await reader.message(reader.group, "history 120").waitFor();
    expect(await reader.texts(reader.group)).toHaveLength(50);

    // By keyboard: see browser-keyboard.test.ts.
    const messages = reader.group.getByTestId("messages");
    for (const [expected, atTop] of [
      [100, "history 71"],
      [120, "history 21"],
    ] as const) {
      await messages.evaluate((list) => list.scrollTo(0, 0));
      await expect.poll(async () => (await reader.texts(reader.group)).length).toBe(expected);
      // The message that was at the top stays in view, the older page above it: the reader reads on upwards.
      await expect.poll(async () => (await reader.visibleTexts(reader.group)).includes(atTop)).toBe(true);
      expect(await reader.visibleTexts(reader.group)).not.toContain("history 120");
    }
    const texts = await reader.texts(reader.group);
    expect(texts).toEqual(Array.from({ length: 120 }, (_, i) => `history ${i + 1}`));
    // The beginning of the conversation is reached: nothing more to offer.
    await reader.group.getByTestId("load-older").waitFor({ state: "detached" });
    expect(await reader.group.getByTestId("conversation-start").textContent()).toContain("starts here");
    writer.close();
    await reader.close();
  });

  it("counts what arrives below a reader who reads back, jumps to it on request, and follows again on sending", async () => {
    const writer = await ChatUser.login(started.server.url, "Talker");
    for (let i = 1; i <= 40; i++) expect((await writer.send(null, `earlier ${i}`)).ok).toBe(true);
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Backreader");
    await reader.message(reader.group, "earlier 40").waitFor();
    const newBelow = reader.group.getByTestId("new-below");
    const readBack = async () => {
      await reader.message(reader.group, "earlier 1").scrollIntoViewIfNeeded();
      await expect
        .poll(async () => (await reader.visibleTexts(reader.group)).includes("earlier 1"))
        .toBe(true);
      // The scroll's event, which tells the list the reader moved, comes with the next frame.
      await reader.page.evaluate(
        () => new Promise((frame) => requestAnimationFrame(() => requestAnimationFrame(frame))),
      );
    };

    // At the bottom, new messages simply show.
    expect((await writer.send(null, "while at the bottom")).ok).toBe(true);
    await expect
      .poll(async () => (await reader.visibleTexts(reader.group)).at(-1))
      .toBe("while at the bottom");
    expect(await newBelow.count()).toBe(0);

    // Reading back: the list stays put and a button counts what arrived below, and leads back before that.
    await readBack();
    await expect.poll(() => newBelow.textContent()).toMatch(/^\s*Latest messages ↓\s*$/);
    for (const text of ["new one", "new two"]) expect((await writer.send(null, text)).ok).toBe(true);
    await expect.poll(() => newBelow.textContent()).toMatch(/^\s*2 new messages ↓\s*$/);
    expect(await reader.visibleTexts(reader.group)).toContain("earlier 1");
    await newBelow.click();
    await expect.poll(async () => (await reader.visibleTexts(reader.group)).at(-1)).toBe("new two");
    expect(await newBelow.count()).toBe(0);

    // Sending from up the list brings the reader down to their own message.
    await readBack();
    await reader.say(reader.group, "my reply");
    await expect.poll(async () => (await reader.visibleTexts(reader.group)).at(-1)).toBe("my reply");
    writer.close();
    await reader.close();
  });

  it("counts nothing that came before I closed a window when the next message opens it again", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Closer");
    const writer = await ChatUser.login(started.server.url, "Reopener");
    const window = reader.privateWindow("Reopener");
    expect((await writer.send("Closer", "before closing")).ok).toBe(true);
    await reader.message(window, "before closing").waitFor();
    expect(await window.getByTestId("unread").textContent()).toBe("1");
    // Closed: dealt with, as the reader chose.
    await window.getByTestId("close-window").click();
    await window.waitFor({ state: "detached" });
    expect((await writer.send("Closer", "after closing")).ok).toBe(true);
    await reader.message(window, "after closing").waitFor();
    expect(await window.getByTestId("unread").textContent()).toBe("1");
    writer.close();
    await reader.close();
  });

  it("marks where what came while I looked elsewhere begins, until I write back", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Marker");
    const writer = await ChatUser.login(started.server.url, "Chatty");
    for (const text of ["one", "two"]) expect((await writer.send("Marker", text)).ok).toBe(true);
    const window = reader.privateWindow("Chatty");
    await reader.message(window, "two").waitFor();
    const lineAbove = (text: string) => reader.message(window, text).getByTestId("new-line").count();
    expect([await lineAbove("one"), await lineAbove("two")]).toEqual([1, 0]);

    // Passing the window's × with the keyboard reads nothing.
    await window.getByTestId("close-window").focus();
    await reader.page.evaluate(
      () => new Promise((frame) => requestAnimationFrame(() => requestAnimationFrame(frame))),
    );
    expect(await window.getByTestId("unread").count()).toBe(1);
    // Read, the line stays, so the reader still sees where the new ones began; answered, it goes.
    await window.click();
    await window.getByTestId("unread").waitFor({ state: "detached" });
    expect(await lineAbove("one")).toBe(1);
    await reader.say(window, "my answer");
    await expect.poll(() => window.getByTestId("new-line").count()).toBe(0);

    // Looking at the group chat again: the next one starts a new line.
    await reader.group.getByTestId("composer").focus();
    expect((await writer.send("Marker", "three")).ok).toBe(true);
    await expect.poll(() => lineAbove("three")).toBe(1);
    writer.close();
    await reader.close();
  });

  it("keeps the group's newest message in view when a private window opens beside it", async () => {
    const writer = await ChatUser.login(started.server.url, "Poster");
    for (let i = 1; i <= 40; i++) expect((await writer.send(null, `shown ${i}`)).ok).toBe(true);
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Follower");
    await expect.poll(() => reader.visibleTexts(reader.group)).toContain("shown 40");

    // The dock of private windows takes room from the group chat, which still shows its newest line.
    await writer.send("Follower", "a word in private");
    await reader.message(reader.privateWindow("Poster"), "a word in private").waitFor();
    await expect.poll(() => reader.visibleTexts(reader.group)).toContain("shown 40");
    writer.close();
    await reader.close();
  });

  it("counts what arrives while the page is hidden in the tab's title, group chat included", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Away");
    const writer = await ChatUser.login(started.server.url, "Present");
    await reader.setHidden(true);
    await writer.send(null, "while away 1");
    await writer.send(null, "while away 2");
    await writer.send("Away", "psst");
    await reader.message(reader.privateWindow("Present"), "psst").waitFor();
    await expect.poll(() => reader.page.title()).toBe("(3) Chat");
    expect(await reader.group.getByTestId("unread").textContent()).toBe("2");

    // Back on the page: the group is in view again; the private window, without the focus, stays unread.
    await reader.setHidden(false);
    await expect.poll(() => reader.page.title()).toBe("(1) Chat");
    expect(await reader.group.getByTestId("unread").count()).toBe(0);
    writer.close();
    await reader.close();
  });

  it("opens a conversation chosen in the online list in view with the cursor in it; an incoming one steals nothing", async () => {
    const ann = await ChatPage.open(started.browser, started.server.url);
    await ann.login("Alma");
    const peers = ["Bo", "Cy", "Di", "Ed", "Flo"];
    const users = await Promise.all(peers.map((name) => ChatUser.login(started.server.url, name)));
    // Wholly inside the dock's scrolled view, not just somewhere on the page.
    const inView = (window: Locator) =>
      window.evaluate((el) => {
        const box = el.getBoundingClientRect();
        const dock = (el.parentElement as HTMLElement).getBoundingClientRect();
        return box.left >= dock.left - 1 && box.right <= dock.right + 1;
      });

    // More windows than the dock shows at once: the later ones open beyond its right edge.
    for (const peer of peers.slice(0, 4)) {
      await ann.onlineUser(peer).click();
      await expect.poll(() => ann.typesInto(ann.privateWindow(peer))).toBe(true);
      expect(await inView(ann.privateWindow(peer))).toBe(true);
    }
    const empty = ann.privateWindow("Bo").getByTestId("conversation-start");
    expect(await empty.textContent()).toContain("No messages yet");
    // Choosing an open window again brings it back, and the keyboard chooses as a click does.
    await ann.onlineUser("Bo").focus();
    await ann.onlineUser("Bo").press("Space");
    await expect.poll(() => ann.typesInto(ann.privateWindow("Bo"))).toBe(true);
    expect(await inView(ann.privateWindow("Bo"))).toBe(true);
    await ann.say(ann.privateWindow("Bo"), "typed straight away");
    await users[0]?.waitFor(SERVER_EVENTS.message, (m) => m.text === "typed straight away");

    // A message from someone else opens their window, but Alma keeps writing where she was.
    const composer = ann.group.getByTestId("composer");
    await composer.fill("half a sent");
    expect((await users[4]?.send("Alma", "psst"))?.ok).toBe(true);
    await ann.message(ann.privateWindow("Flo"), "psst").waitFor();
    expect(await ann.typesInto(ann.group)).toBe(true);
    await composer.pressSequentially("ence");
    expect(await composer.inputValue()).toBe("half a sentence");

    // Closing a window hands the keyboard to the group chat rather than dropping it on the page.
    await ann.privateWindow("Bo").getByTestId("close-window").click();
    await ann.privateWindow("Bo").waitFor({ state: "detached" });
    await expect.poll(() => ann.typesInto(ann.group)).toBe(true);
    // So does Escape in a private window, its draft kept for when it opens again.
    await ann.onlineUser("Cy").click();
    await expect.poll(() => ann.typesInto(ann.privateWindow("Cy"))).toBe(true);
    await ann.privateWindow("Cy").getByTestId("composer").fill("later, Cy");
    await ann.page.keyboard.press("Escape");
    await ann.privateWindow("Cy").waitFor({ state: "detached" });
    await expect.poll(() => ann.typesInto(ann.group)).toBe(true);
    await ann.onlineUser("Cy").click();
    expect(await ann.privateWindow("Cy").getByTestId("composer").inputValue()).toBe("later, Cy");
    for (const user of users) user.close();
    await ann.close();
  });

  it("keeps Shift+Enter as a new line, no longer lets one write to a peer who left, and shows a refused message as failed with Retry and Discard", async () => {
    const ann = await ChatPage.open(started.browser, started.server.url);
    await ann.login("Ann");
    const bob = await ChatUser.login(started.server.url, "Bob");
    await ann.onlineUser("Bob").click();
    const window = ann.privateWindow("Bob");

    const composer = window.getByTestId("composer");
    // Nothing to send yet: the button says so.
    expect(await window.getByTestId("send").isDisabled()).toBe(true);
    await composer.fill("first line");
    await composer.press("Shift+Enter");
    await composer.pressSequentially("second line");
    // The box grows with the lines typed.
    const height = async () => (await composer.boundingBox())?.height ?? 0;
    const twoLines = await height();
    await composer.press("Shift+Enter");
    await composer.press("Shift+Enter");
    expect(await height()).toBeGreaterThan(twoLines);
    await composer.fill("first line\nsecond line");
    await composer.press("Enter");
    await bob.waitFor(SERVER_EVENTS.message, (m) => m.text === "first line\nsecond line");

    // Bob leaves for good while Ann writes: his window says so, and her draft can be finished but not sent.
    await composer.fill("half a thou");
    bob.socket.emit(CLIENT_EVENTS.logout);
    await window.getByTestId("peer-offline").waitFor();
    await expect.poll(() => window.getByTestId("send").isDisabled()).toBe(true);
    expect(await window.getByTestId("composer-closed").textContent()).toBe("You can send when Bob is back.");
    await composer.pressSequentially("ght");
    await composer.press("Enter");
    expect(await composer.inputValue()).toBe("half a thought");
    expect(await window.getByTestId("message").count()).toBe(1);

    // What the protocol refuses is said before sending: nothing goes out.
    await ann.group.getByTestId("composer").fill("ring the \u0007 bell");
    await ann.group
      .getByTestId("composer-problem")
      .getByText("control characters", { exact: false })
      .waitFor();
    expect(await ann.group.getByTestId("send").isDisabled()).toBe(true);
    // Past the protocol's length, the count shows as one types, and the alert is said once, not per key.
    const alert = ann.group.getByRole("alert");
    await ann.group.getByTestId("composer").fill("x".repeat(4001));
    await ann.group.getByTestId("composer-problem").getByText("4001 / 4000", { exact: false }).waitFor();
    const said = await alert.textContent();
    await ann.group.getByTestId("composer").press("x");
    await ann.group.getByTestId("composer-problem").getByText("4002 / 4000", { exact: false }).waitFor();
    expect([said, await alert.textContent()]).toEqual(["Too long to send.", "Too long to send."]);
    // A message this server refuses (longer than it allows) is shown as failed, with the server's reason.
    const long = "x".repeat(1001);
    await ann.say(ann.group, long);
    const failed = ann.message(ann.group, long).and(ann.page.locator('[data-state="failed"]'));
    await failed
      .getByTestId("message-state")
      .getByText(/not sent: .*at most 1000/i)
      .waitFor();
    // From the keyboard: each button goes with what it did, and the focus goes on to the composer, not
    // to the page, where the next Tab would start from the top.
    const composing = () => ann.group.getByTestId("composer").evaluate((el) => el === document.activeElement);
    await failed.getByTestId("retry").press("Enter");
    await expect.poll(composing).toBe(true);
    await failed.getByTestId("retry").waitFor();
    await failed.getByTestId("discard").press("Enter");
    await failed.waitFor({ state: "detached" });
    await expect.poll(composing).toBe(true);
    await ann.close();
  });
});
