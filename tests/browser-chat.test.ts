import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

const started = browserAndServer();

describe("the chat in Chromium", () => {
  it("logs people in, refuses a taken name, and shows the group chat, private windows and the live online list", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    const bob = await ChatPage.open(started.browser, started.server.url);
    const carol = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice");
    await bob.login("Bob");

    // Names are unique case-insensitively; the refusal is in words next to the field, and a second try works.
    await carol.join("  ALICE ");
    await carol.page.getByTestId("login-error").getByText(/taken/i).waitFor();
    expect(await carol.page.getByTestId("login-name").getAttribute("aria-invalid")).toBe("true");
    await carol.login("Carol");

    await expect.poll(() => alice.page.getByTestId("online-count").textContent()).toBe("3");
    expect(await alice.onlineUser("Alice").textContent()).toContain("(you)");

    await alice.say(alice.group, "Hello, everyone");
    for (const person of [bob, carol]) await person.message(person.group, "Hello, everyone").waitFor();
    await alice
      .message(alice.group, "Hello, everyone")
      .and(alice.page.locator('[data-state="sent"]'))
      .waitFor();

    // A double-click on a name opens a private window; only its recipient sees what is said there.
    await alice.onlineUser("Bob").click();
    await alice.say(alice.privateWindow("Bob"), "Just between us");
    await bob.message(bob.privateWindow("Alice"), "Just between us").waitFor();
    expect(await bob.privateWindow("Alice").getByTestId("unread").textContent()).toBe("1");
    // The tab's title counts it too, for a reader in another tab; reading the window clears both.
    await expect.poll(() => bob.page.title()).toBe("(1) Chat");
    await bob.privateWindow("Alice").getByTestId("composer").click();
    await bob.privateWindow("Alice").getByTestId("unread").waitFor({ state: "detached" });
    await expect.poll(() => bob.page.title()).toBe("Chat");

    // Enter on a focused name opens one too; several private windows are open at once, each with its own talk.
    await carol.onlineUser("Alice").focus();
    await carol.page.keyboard.press("Enter");
    await carol.say(carol.privateWindow("Alice"), "Carol here");
    await alice.message(alice.privateWindow("Carol"), "Carol here").waitFor();
    expect(await alice.texts(alice.privateWindow("Bob"))).toEqual(["Just between us"]);
    expect(await alice.texts(alice.privateWindow("Carol"))).toEqual(["Carol here"]);
    expect(await carol.page.getByText("Just between us").count()).toBe(0);

    // Whatever someone types is shown as text: markup is neither rendered nor run.
    const markup = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    await bob.say(bob.group, markup);
    await alice.message(alice.group, markup).waitFor();
    expect(
      await alice.page.locator('[data-testid="group-window"] img, [data-testid="group-window"] b').count(),
    ).toBe(0);
    expect(await alice.page.evaluate(() => "pwned" in window)).toBe(false);

    mkdirSync(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: join(ARTIFACTS, "chat-view.png"), fullPage: true });

    // A logout frees the name at once and everyone's list follows.
    await bob.page.getByTestId("logout").click();
    await bob.page.getByTestId("login-name").waitFor();
    for (const person of [alice, carol]) {
      await person.onlineUser("Bob").waitFor({ state: "detached" });
      expect(await person.page.getByTestId("online-count").textContent()).toBe("2");
    }
    await bob.login("bob");
    await alice.onlineUser("bob").waitFor();

    for (const person of [alice, bob, carol]) await person.close();
  });

  it("says in words when the server cannot be reached, and lets the user try again", async () => {
    const dave = await ChatPage.open(started.browser, started.server.url);
    await dave.page.route("**/socket.io/**", (route) => route.abort());
    await dave.join("Dave");
    await dave.page
      .getByTestId("login-error")
      .getByText(/cannot reach the server/i)
      .waitFor();
    // Nothing wrong with the name: it is not marked invalid for a screen reader.
    expect(await dave.page.getByTestId("login-name").getAttribute("aria-invalid")).toBe("false");
    await dave.page.unroute("**/socket.io/**");
    await dave.login("Dave");
    await dave.close();
  });

  it("tells a screen reader of each message that arrives live from someone else, not of the history it loads", async () => {
    const bob = await ChatUser.login(started.server.url, "Bob10");
    await bob.send(null, "said before Eve came");
    const eve = await ChatPage.open(started.browser, started.server.url);
    await eve.login("Eve10");
    await eve.message(eve.group, "said before Eve came").waitFor();
    // Each announcement is a node of its own, added to a polite live region: a screen reader reads each.
    const said = () => eve.page.getByTestId("announcer").locator("p").allTextContents();
    expect(await said()).toEqual([]);
    // The lists are logs that say nothing themselves: their rows come with history and scrolling too.
    expect(await eve.group.locator('[role="log"]').getAttribute("aria-live")).toBe("off");

    await bob.send(null, "hello, Eve");
    await expect.poll(said).toEqual(["Bob10: hello, Eve"]);
    await bob.send("Eve10", "just for you");
    // The same words again are said again.
    await bob.send("Eve10", "just for you");
    const privately = "Bob10, privately: just for you";
    await expect.poll(said).toEqual(["Bob10: hello, Eve", privately, privately]);
    await eve.say(eve.group, "my own words");
    await eve.message(eve.group, "my own words").and(eve.page.locator('[data-state="sent"]')).waitFor();
    expect(await said()).toEqual(["Bob10: hello, Eve", privately, privately]);

    // Writing privately, Eve hears the group's first message and then how many followed, not each.
    await eve.onlineUser("Bob10").click();
    await expect.poll(() => eve.typesInto(eve.privateWindow("Bob10"))).toBe(true);
    for (const text of ["busy 1", "busy 2", "busy 3"]) await bob.send(null, text);
    const before = ["Bob10: hello, Eve", privately, privately];
    await expect.poll(said).toEqual([...before, "Bob10: busy 1"]);
    await expect
      .poll(said, { timeout: 10_000 })
      .toEqual([...before, "Bob10: busy 1", "2 more messages in Everyone"]);
    bob.close();
    await eve.close();
  });
});
