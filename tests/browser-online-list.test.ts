import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

// Hundreds of users from one test address: no per-address limits here (they have tests of their own).
// Away after 300 ms without a connection, instead of 5 s.
const started = browserAndServer({
  CONNECTIONS_PER_IP: "0",
  HANDSHAKES_PER_IP_PER_MINUTE: "0",
  PRESENCE_AWAY_MS: "300",
});

describe("the online list in Chromium, with many online", () => {
  it("shows the first 200 names, says how many more, and finds anyone by a few letters", async () => {
    const crowd: ChatUser[] = [];
    for (let i = 0; i < 210; i += 30) {
      const batch = Array.from({ length: 30 }, (_, j) => `Member ${String(i + j).padStart(3, "0")}`);
      crowd.push(...(await Promise.all(batch.map((name) => ChatUser.login(started.server.url, name)))));
    }
    crowd.push(await ChatUser.login(started.server.url, "Zoë"));
    const ann = await ChatPage.open(started.browser, started.server.url);
    await ann.login("Ann");
    await expect.poll(() => ann.page.getByTestId("online-count").textContent()).toBe("212");
    const names = ann.page.getByTestId("online-user");
    expect(await names.count()).toBe(200);
    expect(await ann.page.getByTestId("online-more").textContent()).toContain("12 more");

    const find = ann.page.getByTestId("online-find");
    // As names compare: case and compatibility forms aside.
    await find.fill("ＺＯË");
    await expect.poll(() => names.allTextContents()).toEqual(["Zoë"]);
    await ann.onlineUser("Zoë").click();
    await expect.poll(() => ann.typesInto(ann.privateWindow("Zoë"))).toBe(true);

    await find.fill("member 20");
    await expect.poll(() => names.count()).toBe(10);
    await find.fill("nobody");
    await ann.page.getByTestId("online-none").waitFor();
    expect(await names.count()).toBe(0);
    for (const user of crowd) user.close();
    await ann.close();
  });

  it("shows who is away, lets me write to them, and shows them back when they return", async () => {
    const eli = await ChatUser.login(started.server.url, "Eli");
    const dot = await ChatPage.open(started.browser, started.server.url);
    await dot.login("Dot");
    // Those of the test before are still listed (away): Eli could be past the first 200 names.
    await dot.page.getByTestId("online-find").fill("Eli");
    await dot.onlineUser("Eli").click();
    const window = dot.privateWindow("Eli");
    await window.waitFor();
    expect(await dot.onlineUser("Eli").getAttribute("data-away")).toBeNull();

    eli.close();
    await expect.poll(() => dot.onlineUser("Eli").getAttribute("data-away")).toBe("true");
    expect(await dot.onlineUser("Eli").textContent()).toContain("away");
    await window.getByTestId("peer-away").waitFor();
    await dot.say(window, "talk when you are back");
    await dot
      .message(window, "talk when you are back")
      .and(dot.page.locator('[data-state="sent"]'))
      .waitFor();

    const back = await ChatUser.connect(started.server.url, { token: eli.token });
    await expect.poll(() => dot.onlineUser("Eli").getAttribute("data-away")).toBeNull();
    await window.getByTestId("peer-away").waitFor({ state: "detached" });
    const missed = await back.sync(null);
    expect(missed.ok && missed.messages.map((m) => m.text)).toContain("talk when you are back");
    back.close();
    await dot.close();
  });
});
