import { CLIENT_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();

describe("a closed conversation with someone who left, in Chromium", () => {
  it("is listed under earlier conversations, also after a reload, and opens again to read, its composer closed", async () => {
    const host = await ChatPage.open(started.browser, started.server.url);
    await host.login("Host");
    const leaver = await ChatUser.login(started.server.url, "Leaver");
    expect((await leaver.send("Host", "bye for now")).ok).toBe(true);
    const window = host.privateWindow("Leaver");
    await host.message(window, "bye for now").waitFor();
    await window.getByTestId("close-window").click();
    await window.waitFor({ state: "detached" });
    const earlier = host.page.getByTestId("earlier-conversation");
    // Online, the online list leads back to them: nothing listed twice. (Joins go out in presence rounds,
    // so the message can arrive before the join: the list is awaited, not assumed.)
    await host.onlineUser("Leaver").waitFor();
    expect(await earlier.count()).toBe(0);

    leaver.socket.emit(CLIENT_EVENTS.logout);
    await host.onlineUser("Leaver").waitFor({ state: "detached" });
    // A reload keeps the way back; the conversation comes from the server's history.
    await host.page.reload();
    await host.page.getByTestId("my-name").waitFor();
    await earlier.filter({ hasText: "Leaver" }).click();
    await host.message(window, "bye for now").waitFor();
    await window.getByTestId("peer-offline").waitFor();
    expect(await window.getByTestId("send").isDisabled()).toBe(true);
    // Open again, it is no longer listed there.
    await earlier.waitFor({ state: "detached" });

    // The name taken again by someone new: the closed conversation is still the old holder's.
    await window.getByTestId("close-window").click();
    const newcomer = await ChatUser.login(started.server.url, "Leaver");
    await host.onlineUser("Leaver").waitFor();
    await earlier.filter({ hasText: "Leaver" }).click();
    await window.getByTestId("peer-replaced").waitFor();
    expect(await host.texts(window)).toEqual(["bye for now"]);
    newcomer.close();
    leaver.close();
    await host.close();
  });
});
