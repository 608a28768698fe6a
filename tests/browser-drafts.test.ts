import { ErrorCode } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();

/** Alice in Chromium, with a draft typed to Bob in a window she then closed. */
async function draftInClosedWindow(alice: string, bob: string): Promise<{ page: ChatPage; peer: ChatUser }> {
  const page = await ChatPage.open(started.browser, started.server.url);
  await page.login(alice);
  const peer = await ChatUser.login(started.server.url, bob);
  await page.onlineUser(bob).click();
  const window = page.privateWindow(bob);
  await window.getByTestId("composer").fill("a thought for later");
  await window.getByTestId("close-window").click();
  await window.waitFor({ state: "detached" });
  return { page, peer };
}

describe("the draft of a closed private window, in Chromium", () => {
  it("is still there after a reload when the window opens again", async () => {
    const { page: alice, peer: bob } = await draftInClosedWindow("AliceD1", "BobD1");
    await alice.page.reload();
    await alice.page.getByTestId("my-name").waitFor();
    await alice.onlineUser("BobD1").click();
    const window = alice.privateWindow("BobD1");
    expect(await window.getByTestId("composer").inputValue()).toBe("a thought for later");
    bob.close();
    await alice.close();
  });

  it("is among the unfinished texts shown when the session ends while offline", async () => {
    const { page: alice, peer: bob } = await draftInClosedWindow("AliceD2", "BobD2");
    await alice.context.setOffline(true);
    await expect.poll(() => alice.status()).toBe("reconnecting");
    // The session ends elsewhere meanwhile (as a logout from another device would end it).
    const token = await alice.page.evaluate(
      () => JSON.parse(sessionStorage.getItem("chat:v1") ?? "{}").token,
    );
    await expect(ChatUser.connect(started.server.url, { token, logout: true })).rejects.toMatchObject({
      code: ErrorCode.SESSION_EXPIRED,
    });
    await alice.context.setOffline(false);
    await alice.page.getByTestId("login-error").waitFor({ timeout: 20_000 });
    const unsent = alice.page.getByTestId("unsent").locator("li");
    expect(await unsent.locator(".unsent-text").allTextContents()).toEqual(["a thought for later"]);
    expect(await unsent.locator(".unsent-to").allTextContents()).toEqual(["To BobD2"]);
    expect(await alice.page.getByTestId("login-error").textContent()).toContain(
      "Not sent: 1 draft, below to copy.",
    );
    bob.close();
    await alice.close();
  });
});
