import { SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

// Away right after a connection drops, instead of after 5 s.
const started = browserAndServer({ PRESENCE_AWAY_MS: "0" });

/**
 * The Socket.IO events a page received, in order: over its WebSockets, and over HTTP long-polling, with
 * which socket.io-client starts each connection (Engine.IO packets there are separated by \x1e).
 */
function receivedEvents(page: ChatPage): string[] {
  const events: string[] = [];
  const read = (packets: string) => {
    for (const packet of packets.split("\x1e")) {
      const event = /^42\["([^"]+)"/.exec(packet)?.[1];
      if (event) events.push(event);
    }
  };
  page.page.on("websocket", (socket) => socket.on("framereceived", ({ payload }) => read(String(payload))));
  page.page.on("response", (response) => {
    if (response.request().method() === "GET" && response.url().includes("transport=polling"))
      void response.text().then(read, () => {});
  });
  return events;
}

describe("the web client coming back after a drop, in Chromium", () => {
  it("is sent only what changed in the online list meanwhile, and shows the list a new login would", async () => {
    const url = started.server.url;
    const [bob, cleo] = [await ChatUser.login(url, "Bob"), await ChatUser.login(url, "Cleo")];
    // Listed throughout: with fewer changes than people listed, the changes are what is sent.
    const stayers = await Promise.all(["Gil", "Hal", "Ida"].map((name) => ChatUser.login(url, name)));
    const ann = await ChatPage.open(started.browser, url);
    const events = receivedEvents(ann);
    await ann.login("Ann");
    await ann.onlineUser("Ida").waitFor();

    await ann.context.setOffline(true);
    await expect.poll(() => ann.status()).toBe("reconnecting");
    const seen = events.length;
    // Meanwhile Cleo logs out, Bob's connection drops, and Dan arrives.
    const watcher = stayers[0] as ChatUser;
    cleo.socket.emit("logout");
    await watcher.waitFor(SERVER_EVENTS.left, (u) => u.name === "Cleo");
    bob.close();
    await watcher.waitFor(SERVER_EVENTS.away, (u) => u.name === "Bob");
    const dan = await ChatUser.login(url, "Dan");

    await ann.context.setOffline(false);
    await expect.poll(() => ann.status(), { timeout: 30_000 }).toBe("connected");
    await ann.onlineUser("Dan").waitFor();
    await ann.onlineUser("Cleo").waitFor({ state: "detached" });
    await expect.poll(() => ann.onlineUser("Bob").getAttribute("data-away")).toBe("true");
    const shown = await ann.page
      .getByTestId("online-user")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-name")));
    expect(shown.sort()).toEqual([...dan.online].sort());
    await expect.poll(() => events.slice(seen)).toContain(SERVER_EVENTS.usersSince);
    expect(events.slice(seen)).not.toContain(SERVER_EVENTS.users);

    for (const user of [bob, dan, ...stayers]) user.close();
    await ann.close();
  });
});
