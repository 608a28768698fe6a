import { CLIENT_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { recordNotifications, shown } from "./support/notifications.js";

// A long conversation is sent faster than any person writes.
const started = browserAndServer({ MESSAGES_PER_SECOND: "0" });

const login = (name: string) => ChatUser.login(started.server.url, name);

describe("who joins and leaves, in the group chat in Chromium", () => {
  it("shows live joins and leaves among the messages, a burst as one line, and none for who was already here", async () => {
    const early = await login("Early");
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Reader");
    await reader.onlineUser("Early").waitFor();
    const bo = await login("Bo");
    await reader.group.getByTestId("presence-line").getByText("Bo joined").waitFor();
    await bo.send(null, "hello from Bo");

    // A burst after the message: one line below it. The markup in a name is shown as typed.
    const [dee, eve] = [await login("<b>Dee</b>"), await login("Eve")];
    early.socket.emit(CLIENT_EVENTS.logout);
    const lines = () => reader.texts(reader.group, { lines: true });
    await expect.poll(lines).toEqual(["Bo joined", "hello from Bo", "<b>Dee</b> and Eve joined; Early left"]);
    expect(await reader.group.locator('[data-testid="presence-line"] b').count()).toBe(0);

    // Someone who comes and goes within the burst is not worth a mention.
    const quick = await login("Quick");
    quick.socket.emit(CLIENT_EVENTS.logout);
    const fay = await login("Fay");
    await expect
      .poll(lines)
      .toEqual(["Bo joined", "hello from Bo", "<b>Dee</b>, Eve and Fay joined; Early left"]);

    // What this tab saw live: a reload starts without the lines, and the online list says who is here.
    await reader.page.reload();
    await reader.message(reader.group, "hello from Bo").waitFor();
    await reader.onlineUser("Fay").waitFor();
    expect(await lines()).toEqual(["hello from Bo"]);
    for (const user of [early, bo, dee, eve, quick, fay]) user.close();
    await reader.close();
  });

  it("counts as nothing unread and notifies nobody, while the page is hidden", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url, {
      permissions: ["notifications"],
    });
    await reader.login("Hidden");
    await recordNotifications(reader);
    await reader.setHidden(true);
    const gus = await login("Gus");
    await reader.group.getByTestId("presence-line").getByText("Gus joined").waitFor();
    await gus.send(null, "only this is news");
    await reader.message(reader.group, "only this is news").waitFor();
    await expect.poll(() => reader.page.title()).toBe("(1) Chat");
    expect(await shown(reader)).toEqual([]);
    gus.close();
    await reader.close();
  });

  it("keeps its place in a long conversation, which renders only the rows near the view", async () => {
    const writer = await login("Writer");
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Scroller");
    await writer.send(null, "before First");
    await reader.message(reader.group, "before First").waitFor();
    const first = await login("First");
    await reader.group.getByTestId("presence-line").getByText("First joined").waitFor();
    for (let i = 1; i <= 300; i++) expect((await writer.send(null, `line ${i}`)).ok).toBe(true);
    await reader.message(reader.group, "line 300").waitFor();
    const last = await login("Last");

    // Following the newest, the reader sees the line arrive at the bottom.
    const visible = () => reader.visibleTexts(reader.group, { lines: true });
    await expect.poll(async () => (await visible()).slice(-2)).toEqual(["line 300", "Last joined"]);
    expect((await reader.texts(reader.group, { lines: true })).length).toBeLessThan(200);
    // Scrolled to the top, the first line is where it was, between the messages before and after it.
    await reader.group.getByTestId("messages").evaluate((el) => el.scrollTo(0, 0));
    const aroundFirst = async () => {
      const texts = await visible();
      return texts.slice(texts.indexOf("First joined") - 1, texts.indexOf("First joined") + 2);
    };
    await expect.poll(aroundFirst).toEqual(["before First", "First joined", "line 1"]);
    for (const user of [writer, first, last]) user.close();
    await reader.close();
  });
});
