import { CLIENT_EVENTS, LIMITS, SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();

describe("typing notices in Chromium", () => {
  it("tells the peer once for a burst of keystrokes, and nobody about the group chat", async () => {
    const ann = await ChatPage.open(started.browser, started.server.url);
    await ann.login("Ann");
    const bob = await ChatUser.login(started.server.url, "Bob");
    await ann.onlineUser("Bob").click();
    const window = ann.privateWindow("Bob");
    await expect.poll(() => ann.typesInto(window)).toBe(true);

    await ann.group.getByTestId("composer").pressSequentially("to all", { delay: 10 });
    await window.getByTestId("composer").pressSequentially("hello there", { delay: 10 });
    expect(await bob.waitFor(SERVER_EVENTS.typing)).toMatchObject({ name: "Ann", id: expect.any(String) });
    await window.getByTestId("composer").press("Enter");
    await bob.waitFor(SERVER_EVENTS.message, (m) => m.text === "hello there");
    expect(bob.events.filter((e) => e.event === SERVER_EVENTS.typing)).toHaveLength(1);
    bob.close();
    await ann.close();
  });

  it("shows that the peer is typing until their message comes, or for a few seconds after their last notice", async () => {
    const ann = await ChatPage.open(started.browser, started.server.url);
    await ann.login("Ann2");
    const bob = await ChatUser.login(started.server.url, "Bob2");
    await ann.onlineUser("Bob2").click();
    const indicator = ann.privateWindow("Bob2").getByTestId("typing");
    const shown = indicator.getByText("Bob2 is typing…");

    expect(await bob.typing("Ann2")).toEqual({ ok: true });
    await shown.waitFor();
    await shown.waitFor({ state: "detached", timeout: LIMITS.typingShownMs + 5_000 });

    expect(await bob.typing("Ann2")).toEqual({ ok: true });
    await shown.waitFor();
    await bob.send("Ann2", "here it is");
    await ann.message(ann.privateWindow("Bob2"), "here it is").waitFor();
    expect((await indicator.textContent())?.trim()).toBe("");
    bob.close();
    await ann.close();
  });

  it("stops showing that the peer is typing once they leave the chat", async () => {
    const ann = await ChatPage.open(started.browser, started.server.url);
    await ann.login("Ann3");
    const bob = await ChatUser.login(started.server.url, "Bob3");
    await ann.onlineUser("Bob3").click();
    const window = ann.privateWindow("Bob3");
    const shown = window.getByTestId("typing").getByText("Bob3 is typing…");
    expect(await bob.typing("Ann3")).toEqual({ ok: true });
    await shown.waitFor();

    bob.socket.emit(CLIENT_EVENTS.logout);
    // Well within the seconds the notice would last: gone with the leave itself, not later.
    await window.getByTestId("peer-offline").waitFor();
    expect(await shown.count()).toBe(0);
    bob.close();
    await ann.close();
  });
});
