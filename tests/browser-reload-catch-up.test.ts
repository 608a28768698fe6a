import { CLIENT_EVENTS, SYNC_OVERLAP } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser, sent } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

// No rate limit: a test writes more than SYNC_OVERLAP messages first.
const started = browserAndServer({ MESSAGES_PER_SECOND: "0" });

/** Whether the page's packet (or long-polling body) asks for `event`. */
function asks(packet: string, event: string): boolean {
  return packet.includes(`[${JSON.stringify(event)},`);
}

/** The `after` of each `sync` the packet (or long-polling body) asks for. */
function syncsAsked(body: string): number[] {
  return body.split("\x1e").flatMap((packet) => {
    if (!packet.startsWith("42") || !asks(packet, CLIENT_EVENTS.sync)) return [];
    const [, request] = JSON.parse(packet.slice(packet.indexOf("["))) as [string, { after: number }];
    return [request.after];
  });
}

describe("a reload before the tab is up to date, in Chromium", () => {
  it("counts a message that came live during a catch-up once, when a reload cuts the catch-up short", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    let losingSyncs = true;
    await alice.losePackets((packet) => losingSyncs && asks(packet, CLIENT_EVENTS.sync));
    // Routing applies to pages loaded after it.
    await alice.page.reload();
    await alice.login("Alice1");
    const bob = await ChatUser.login(started.server.url, "Bob1");
    await alice.onlineUser("Bob1").waitFor();
    // Away from the page, then back: the catch-up of what came meanwhile gets no answer, so it is still
    // under way when a message comes live.
    await alice.page.goto("about:blank");
    sent(await bob.send("Alice1", "while you were away"));
    await alice.page.goto(started.server.url);
    await alice.onlineUser("Bob1").waitFor();
    sent(await bob.send("Alice1", "during the catch-up"));
    const window = alice.privateWindow("Bob1");
    await alice.message(window, "during the catch-up").waitFor();
    // Its window shows the other from history, which counts nothing: it counts once it comes by `sync`.
    expect(await window.getByTestId("unread").textContent()).toBe("1");

    losingSyncs = false;
    await alice.page.reload();
    await alice.message(window, "while you were away").waitFor();
    await alice.message(window, "during the catch-up").waitFor();
    await expect.poll(() => window.getByTestId("unread").textContent()).toBe("2");
    await expect.poll(() => alice.page.title()).toBe("(2) Chat");
    bob.close();
    await alice.close();
  });

  it("starts a new login at the newest message even when its first read of the group was cut off", async () => {
    const bob = await ChatUser.login(started.server.url, "Bob2");
    let newest = 0;
    for (let i = 0; i <= SYNC_OVERLAP; i++) newest = sent(await bob.send(null, `earlier ${i}`)).id;
    const alice = await ChatPage.open(started.browser, started.server.url);
    let lost = false;
    const syncs: number[] = [];
    await alice.losePackets((packet) => {
      syncs.push(...syncsAsked(packet));
      if (lost || !asks(packet, CLIENT_EVENTS.history)) return false;
      lost = true;
      return true;
    });
    await alice.page.reload();
    await alice.login("Alice2");
    // The connection drops with the group's history unanswered; the next one reads it.
    await alice.context.setOffline(true);
    await expect.poll(() => alice.status()).toBe("reconnecting");
    await alice.context.setOffline(false);
    await alice.message(alice.group, `earlier ${SYNC_OVERLAP}`).waitFor();
    expect(lost).toBe(true);
    // Still a new login: the group's recent history is where it starts, with no catch-up on the whole chat.
    expect(syncs).toEqual([]);

    // A reload catches up from where the tab got to: the newest message, not the chat's first.
    syncs.length = 0;
    await alice.page.reload();
    await alice.message(alice.group, `earlier ${SYNC_OVERLAP}`).waitFor();
    await expect.poll(() => syncs.length).toBeGreaterThan(0);
    expect(syncs[0]).toBe(newest - SYNC_OVERLAP);
    bob.close();
    await alice.close();
  });
});
