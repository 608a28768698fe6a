import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { closed, recordNotifications, shown } from "./support/notifications.js";

const started = browserAndServer();

describe("desktop notifications in Chromium", () => {
  it("are offered by a button, which goes once they are allowed", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Asker");
    const button = reader.page.getByTestId("notify");
    await button.waitFor();
    await reader.context.grantPermissions(["notifications"]);
    await button.click();
    await button.waitFor({ state: "detached" });
    await reader.close();
  });

  it("show a private message that arrives while the page is hidden, and a click brings its window", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url, {
      permissions: ["notifications"],
    });
    await reader.login("Hider");
    expect(await reader.page.getByTestId("notify").count()).toBe(0);
    await recordNotifications(reader);
    const writer = await ChatUser.login(started.server.url, "Writer");

    // Visible, nothing: the page itself shows it.
    await writer.send("Hider", "while you look");
    const window = reader.privateWindow("Writer");
    await reader.message(window, "while you look").waitFor();
    await reader.setHidden(true);
    // The group's messages count in the title only; a private one notifies, its text as plain text.
    await writer.send(null, "to everyone");
    await writer.send("Hider", "<b>psst</b>");
    await reader.message(window, "<b>psst</b>").waitFor();
    await reader.message(reader.group, "to everyone").waitFor();
    expect(await shown(reader)).toEqual([
      { title: "Writer", body: "<b>psst</b>", tag: `private:${writer.session?.id}` },
    ]);

    await reader.page.evaluate(() => {
      (window as unknown as { last: Notification }).last.dispatchEvent(new Event("click"));
    });
    await expect.poll(() => reader.typesInto(window)).toBe(true);
    writer.close();
    await reader.close();
  });

  it("are closed at logout, so the next person at this computer does not read them", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url, {
      permissions: ["notifications"],
    });
    await reader.login("Leaver");
    await recordNotifications(reader);
    const writer = await ChatUser.login(started.server.url, "Sender");
    await reader.setHidden(true);
    await writer.send("Leaver", "for your eyes only");
    await reader.message(reader.privateWindow("Sender"), "for your eyes only").waitFor();
    expect(await shown(reader)).toHaveLength(1);
    expect(await closed(reader)).toBe(0);

    await reader.setHidden(false);
    await reader.page.getByTestId("logout").click();
    await reader.page.getByTestId("login-join").waitFor();
    expect(await closed(reader)).toBe(1);
    writer.close();
    await reader.close();
  });
});
