import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

// Hundreds of users from one test address: no per-address limits here (they have tests of their own).
const started = browserAndServer({ CONNECTIONS_PER_IP: "0", HANDSHAKES_PER_IP_PER_MINUTE: "0" });

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
});
