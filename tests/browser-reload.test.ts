import { CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();

describe("a tab across a reload, in Chromium", () => {
  it("keeps a conversation closed after a reload, with nothing counted unread again", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice3");
    const bob = await ChatUser.login(started.server.url, "Bob3");
    await bob.send("Alice3", "read and closed");
    const window = alice.privateWindow("Bob3");
    await alice.message(window, "read and closed").waitFor();
    await window.click();
    await window.getByTestId("close-window").click();
    await window.waitFor({ state: "detached" });

    await alice.page.reload();
    await alice.page.getByTestId("my-name").getByText("Alice3", { exact: true }).waitFor();
    // A live message after the reload shows the catch-up is over; the closed window stayed closed.
    await bob.send(null, "after the reload");
    await alice.message(alice.group, "after the reload").waitFor();
    expect(await window.count()).toBe(0);
    await expect.poll(() => alice.page.title()).not.toMatch(/^\(\d+\)/);
    bob.close();
    await alice.close();
  });

  it("keeps what is unread, and what is typed but not sent, across a reload", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice6");
    const bob = await ChatUser.login(started.server.url, "Bob6");
    for (const text of ["unread one", "unread two"]) await bob.send("Alice6", text);
    const window = alice.privateWindow("Bob6");
    await alice.message(window, "unread two").waitFor();
    await expect.poll(() => window.getByTestId("unread").textContent()).toBe("2");
    await alice.group.getByTestId("composer").fill("half a thought");

    await alice.page.reload();
    await alice.message(window, "unread two").waitFor();
    expect(await window.getByTestId("unread").textContent()).toBe("2");
    await expect.poll(() => alice.page.title()).toBe("(2) Chat");
    expect(await alice.group.getByTestId("composer").inputValue()).toBe("half a thought");
    bob.close();
    await alice.close();
  });
});

/**
 * `name` joins in a new page; the server logs them in, but its answer (Socket.IO's CONNECT packet) never
 * reaches the page until `answer()`. Bob watches: `joined` is the identity the server made.
 */
async function joinUnanswered(name: string) {
  const bob = await ChatUser.login(started.server.url, `Bob of ${name}`);
  const page = await ChatPage.open(started.browser, started.server.url);
  let losing = true;
  await page.loseAnswers((packet) => losing && packet.startsWith("40"));
  await page.join(name);
  const joined = await bob.waitFor(SERVER_EVENTS.joined, (u) => u.name === name);
  const answer = () => {
    losing = false;
  };
  /** Once the page shows `name` logged in: whether what it writes comes from the identity first made. */
  const sameIdentity = async () => {
    await page.page.getByTestId("my-name").getByText(name, { exact: true }).waitFor();
    await page.say(page.group, `still the first ${name}`);
    const said = await bob.waitFor(SERVER_EVENTS.message, (m) => m.text === `still the first ${name}`);
    bob.close();
    await page.close();
    return said.fromId === joined.id;
  };
  return { page, answer, sameIdentity };
}

describe("a login that gets no answer, in Chromium", () => {
  it("goes on after a reload, as the identity its first try made", async () => {
    const { page, answer, sameIdentity } = await joinUnanswered("Alice8");
    await page.page.getByTestId("login-join").getByText("Joining…").waitFor();
    answer();
    await page.page.reload();
    expect(await sameIdentity()).toBe(true);
  });

  it("can be cancelled, and the next Join under the same name is the identity the first try made", async () => {
    const { page, answer, sameIdentity } = await joinUnanswered("Alice9");
    // Pressed, Join keeps the focus while it waits, and Cancel gives it back to the name.
    const focused = () => page.page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid);
    expect(await focused()).toBe("login-join");
    await page.page.getByTestId("login-cancel").click();
    await page.page.getByTestId("login-join").getByText("Join", { exact: true }).waitFor();
    expect(await focused()).toBe("login-name");
    expect(await page.page.getByTestId("login-name").inputValue()).toBe("Alice9");
    answer();
    await page.page.getByTestId("login-join").click();
    expect(await sameIdentity()).toBe(true);
  });
});

describe("names taken again, in Chromium", () => {
  it("shows the next holder of a freed name the earlier holder's messages as someone else's", async () => {
    const first = await ChatPage.open(started.browser, started.server.url);
    await first.login("Alice5");
    await first.say(first.group, "written by the first Alice5");
    const own = '[data-state="sent"]';
    await first.message(first.group, "written by the first Alice5").and(first.page.locator(own)).waitFor();
    // The logout ends the session over a connection of its own: the page stays open until it has, or the
    // name would stay held for the grace window.
    const watcher = await ChatUser.login(started.server.url, "Watcher5");
    const left = watcher.next(SERVER_EVENTS.left, (user) => user.name === "Alice5");
    await first.page.getByTestId("logout").click();
    await left;
    watcher.close();
    await first.close();

    const next = await ChatPage.open(started.browser, started.server.url);
    await next.login("Alice5");
    await next.say(next.group, "written by the next Alice5");
    await next.message(next.group, "written by the next Alice5").and(next.page.locator(own)).waitFor();
    const mine = async () => next.group.locator(`[data-testid="message"]${own} .text`).allTextContents();
    expect(await mine()).toEqual(["written by the next Alice5"]);
    await next.page.reload();
    await next.message(next.group, "written by the next Alice5").and(next.page.locator(own)).waitFor();
    expect(await mine()).toEqual(["written by the next Alice5"]);
    await next.close();
  });

  it("gives the next holder of a private peer's name a conversation of their own", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice7");
    const bob = await ChatUser.login(started.server.url, "Bob7");
    await bob.send("Alice7", "from the first Bob7");
    const first = alice.privateWindow("Bob7", bob.session?.id);
    await alice.message(first, "from the first Bob7").waitFor();

    bob.socket.emit(CLIENT_EVENTS.logout);
    await first.getByTestId("peer-offline").waitFor();
    const next = await ChatUser.login(started.server.url, "Bob7");
    await first.getByTestId("peer-replaced").waitFor();
    expect(await first.getByTestId("send").isDisabled()).toBe(true);
    await next.send("Alice7", "from the next Bob7");
    const second = alice.privateWindow("Bob7", next.session?.id);
    await alice.message(second, "from the next Bob7").waitFor();
    await alice.say(second, "hello, new Bob7");
    await next.waitFor(SERVER_EVENTS.message, (m) => m.text === "hello, new Bob7");

    // History after a reload is asked for each identity apart, so the windows stay as they were.
    await alice.page.reload();
    await alice.message(second, "hello, new Bob7").waitFor();
    await alice.message(first, "from the first Bob7").waitFor();
    expect(await alice.texts(first)).toEqual(["from the first Bob7"]);
    expect(await alice.texts(second)).toEqual(["from the next Bob7", "hello, new Bob7"]);
    next.close();
    await alice.close();
  });
});
