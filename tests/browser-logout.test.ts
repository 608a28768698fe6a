import { CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();

describe("a tab where one person logs out and another logs in", () => {
  it("shows the next person nothing of the one before, even what reached the tab as they left", async () => {
    const tab = await ChatPage.open(started.browser, started.server.url);
    // A `logout` event from the tab never reaches the server, as on a slow link where it is still on its
    // way: the session must end all the same, and nothing sent to the tab meanwhile may show.
    const logoutEvent = `42${JSON.stringify([CLIENT_EVENTS.logout])}`;
    await tab.losePackets((packet) => packet === logoutEvent);
    // Routing applies to pages loaded after it.
    await tab.page.reload();
    await tab.login("Ann");
    const bob = await ChatUser.login(started.server.url, "Bob");
    await bob.send("Ann", "Before you go");
    await tab.message(tab.privateWindow("Bob"), "Before you go").waitFor();

    const left = bob.next(SERVER_EVENTS.left, (u) => u.name === "Ann", 10_000);
    await tab.page.getByTestId("logout").click();
    await tab.page.getByTestId("login-name").waitFor();
    await bob.send("Ann", "For Ann only");
    await left;

    await tab.login("Cid");
    await bob.send(null, "Hello, Cid");
    await tab.message(tab.group, "Hello, Cid").waitFor();
    expect(await tab.privateWindow("Bob").count()).toBe(0);
    expect(await tab.page.getByText(/Before you go|For Ann only/).count()).toBe(0);
    bob.close();
    await tab.close();
  });
});
