import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS, SESSION_ENDED } from "@chat/shared";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { freePort } from "../server/src/test-support/ports.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { startServerProcess } from "./support/server-process.js";

const started = browserAndServer();

describe("the chat in Chromium over a flaky network", () => {
  it("shows what was missed while offline exactly once, delivers what was typed offline, and survives a reload", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice");
    const bob = await ChatUser.login(started.server.url, "Bob");
    const carol = await ChatUser.login(started.server.url, "Carol");
    await alice.onlineUser("Carol").waitFor();

    // A message before the drop, so the reloaded page has something old to show as well.
    await bob.send(null, "before the drop");
    await alice.message(alice.group, "before the drop").waitFor();

    await alice.context.setOffline(true);
    await expect.poll(() => alice.status()).toBe("reconnecting");
    // The online list cannot follow anyone while offline, and says so.
    await alice.page.getByTestId("online-stale").waitFor();

    const missed = ["group one", "group two", "group three"];
    for (const text of missed) expect((await bob.send(null, text)).ok).toBe(true);
    expect((await carol.send(null, "group four")).ok).toBe(true);
    // Alice is inside her grace window: private messages to her are accepted and wait for her.
    for (const text of ["private one", "private two"]) expect((await bob.send("Alice", text)).ok).toBe(true);
    expect(bob.online.has("Alice")).toBe(true);

    await alice.say(alice.group, "typed while offline");
    await alice
      .message(alice.group, "typed while offline")
      .and(alice.page.locator('[data-state="queued"]'))
      .waitFor();

    await alice.context.setOffline(false);
    const delivered = bob.next(SERVER_EVENTS.message, (m) => m.text === "typed while offline");
    await expect.poll(() => alice.status(), { timeout: 30_000 }).toBe("connected");
    await alice.page.getByTestId("online-stale").waitFor({ state: "detached" });
    expect((await delivered).from).toBe("Alice");

    const expectedGroup = ["before the drop", ...missed, "group four", "typed while offline"];
    const expectedPrivate = ["private one", "private two"];
    const showsEverythingOnce = async () => {
      await alice
        .message(alice.group, "typed while offline")
        .and(alice.page.locator('[data-state="sent"]'))
        .waitFor();
      for (const text of expectedPrivate) await alice.message(alice.privateWindow("Bob"), text).waitFor();
      // The whole list, in order: a message shown twice or missing would change it.
      expect(await alice.texts(alice.group)).toEqual(expectedGroup);
      expect(await alice.texts(alice.privateWindow("Bob"))).toEqual(expectedPrivate);
    };
    await showsEverythingOnce();
    // No login again: the same identity came back, and the others never saw Alice leave.
    expect(carol.events.some((e) => e.event === SERVER_EVENTS.left)).toBe(false);

    // A reload resumes the session from sessionStorage and brings back the open conversations' history.
    await alice.page.reload();
    await alice.page.getByTestId("my-name").getByText("Alice", { exact: true }).waitFor();
    await showsEverythingOnce();
    expect(await alice.page.getByTestId("login-name").count()).toBe(0);

    bob.close();
    carol.close();
    await alice.close();
  });

  it("says it is reconnecting from the moment the connection drops, never that it is connecting", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alix");
    const badge = alice.page.getByTestId("connection-status");
    // Every wording the badge shows, as it changes: a poll could miss one shown for half a second.
    await badge.evaluate((el) => {
      const shown: string[] = [];
      Object.assign(window, { shownStatuses: shown });
      new MutationObserver(() => shown.push(el.textContent?.trim() ?? "")).observe(el, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });

    await alice.context.setOffline(true);
    await badge.and(alice.page.getByTitle("Attempt 1 to reconnect")).waitFor();
    await alice.context.setOffline(false);
    await expect.poll(() => alice.status(), { timeout: 30_000 }).toBe("connected");
    const shown = await alice.page.evaluate(
      () => (window as unknown as { shownStatuses: string[] }).shownStatuses,
    );
    expect(shown.filter((label, i) => label !== shown[i - 1])).toEqual(["Reconnecting…", "Connected"]);
    await alice.close();
  });
});

describe("the chat in Chromium across a server restart", () => {
  /**
   * Alice writes to Bob while the server is down. The restarted server lists nobody until they come
   * back, so once Alice is back her message waits for Bob, who reconnects only when the test says so.
   */
  async function aliceWaitingForBob(
    run: (scene: {
      url: string;
      alice: ChatPage;
      bob: ChatUser;
      window: Locator;
      text: string;
    }) => Promise<void>,
  ): Promise<void> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), "chat-restart-"));
    const serve = () => startServerProcess({ PORT: String(port), DATA_DIR: dataDir });
    let restartable = await serve();
    try {
      const alice = await ChatPage.open(started.browser, restartable.url);
      await alice.login("Alice");
      const bob = await ChatUser.login(restartable.url, "Bob");
      await alice.onlineUser("Bob").click();
      const window = alice.privateWindow("Bob");

      await restartable.kill("SIGTERM");
      await expect.poll(() => alice.status()).toBe("reconnecting");
      const text = "typed while the server was down";
      await alice.say(window, text);
      restartable = await serve();
      await expect.poll(() => alice.status(), { timeout: 20_000 }).toBe("connected");
      const pending = alice.message(window, text).getByTestId("message-state");
      await pending.getByText("Waiting for Bob to come back…").waitFor();

      await run({ url: restartable.url, alice, bob, window, text });
      bob.close();
      await alice.close();
    } finally {
      await restartable.kill("SIGTERM");
    }
  }

  it("holds a private message typed while the server was down until its peer is back, then sends it", async () => {
    await aliceWaitingForBob(async ({ alice, bob, window, text }) => {
      const received = bob.next(SERVER_EVENTS.message, (m) => m.text === text, 20_000);
      bob.socket.connect();
      expect((await received).from).toBe("Alice");
      await alice.message(window, text).and(alice.page.locator('[data-state="sent"]')).waitFor();
      expect(await window.getByTestId("retry").count()).toBe(0);
    });
  });

  it("never gives that message to someone who takes the name before its peer is back", async () => {
    await aliceWaitingForBob(async ({ url, alice, window, text }) => {
      // Nobody is listed after the restart, so the name is free to whoever asks first.
      const impostor = await ChatUser.login(url, "Bob");
      await alice.message(window, text).and(alice.page.locator('[data-state="failed"]')).waitFor();
      const state = alice.message(window, text).getByTestId("message-state");
      await state.getByText("someone else uses the name now").waitFor();
      await window.getByTestId("peer-replaced").waitFor();
      // Nothing to retry: it could only fail again. Discarding it is left.
      const failed = alice.message(window, text);
      await failed.getByTestId("discard").waitFor();
      expect(await failed.getByTestId("retry").count()).toBe(0);
      await alice.say(alice.group, "fence");
      await impostor.waitFor(SERVER_EVENTS.message, (m) => m.text === "fence");
      expect(impostor.messages.map((m) => m.text)).toEqual(["fence"]);
      impostor.close();
    });
  });
});

describe("a session that ends while offline, in Chromium", () => {
  it("tells a tab whose session ended while it was offline what it could not send, with its name ready", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice8");
    await alice.context.setOffline(true);
    await expect.poll(() => alice.status()).toBe("reconnecting");
    await alice.say(alice.group, "lost with the session");
    await alice.message(alice.group, "lost with the session").waitFor();
    await alice.group.getByTestId("composer").fill("half a thought");
    // The session ends elsewhere meanwhile (as a logout from another device would end it).
    const token = await alice.page.evaluate(
      () => JSON.parse(sessionStorage.getItem("chat:v1") ?? "{}").token,
    );
    await expect(ChatUser.connect(started.server.url, { token, logout: true })).rejects.toMatchObject({
      code: ErrorCode.SESSION_EXPIRED,
    });

    await alice.context.setOffline(false);
    const notice = alice.page.getByTestId("login-error");
    await notice.getByText("Not sent: 1 message and 1 draft, below to copy.", { exact: false }).waitFor({
      timeout: 20_000,
    });
    expect(await notice.textContent()).toContain(SESSION_ENDED);
    // Both the message and the unfinished draft are shown, to be copied before they are gone, each with
    // whom it was for.
    const unsent = alice.page.getByTestId("unsent").locator("li");
    expect(await unsent.locator(".unsent-text").allTextContents()).toEqual([
      "lost with the session",
      "half a thought",
    ]);
    expect(await unsent.locator(".unsent-to").allTextContents()).toEqual(["To everyone", "To everyone"]);
    expect(await alice.page.getByTestId("login-name").inputValue()).toBe("Alice8");
    await alice.close();
  });

  it("asks again for a catch-up's page that got no answer on a connection still up", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice5");
    const bob = await ChatUser.login(started.server.url, "Bob5");
    await alice.onlineUser("Bob5").waitFor();
    // The page's first `sync` is lost on its way, in a long-polling POST or on the WebSocket, as if the
    // server had not answered it: the connection itself stays up.
    let lost = false;
    await alice.losePackets((packet) => {
      if (lost || !packet.includes(`[${JSON.stringify(CLIENT_EVENTS.sync)},`)) return false;
      lost = true;
      return true;
    });
    // Away from the page, then back (routing applies to pages loaded after it): the page resumes from what
    // it saved, and catches up with `sync` on what came meanwhile.
    await alice.page.goto("about:blank");
    expect((await bob.send("Alice5", "while you were away")).ok).toBe(true);
    await alice.page.goto(started.server.url);
    await alice.message(alice.privateWindow("Bob5"), "while you were away").waitFor({ timeout: 20_000 });
    expect(lost).toBe(true);
    bob.close();
    await alice.close();
  });

  it("ends the session of a tab that logged out while offline once the network is back", async () => {
    const alice = await ChatPage.open(started.browser, started.server.url);
    await alice.login("Alice4");
    const bob = await ChatUser.login(started.server.url, "Bob4");
    await alice.context.setOffline(true);
    await expect.poll(() => alice.status()).toBe("reconnecting");
    // Something typed offline is not dropped without asking: staying keeps it waiting to be sent.
    await alice.say(alice.group, "never sent");
    const unsent = alice.message(alice.group, "never sent").and(alice.page.locator('[data-state="queued"]'));
    await unsent.waitFor();
    await alice.page.getByTestId("logout").click();
    const asked = alice.page.getByTestId("logout-confirm");
    expect(await asked.textContent()).toContain("1 message is not sent yet");
    await alice.page.getByTestId("logout-stay").click();
    await asked.waitFor({ state: "detached" });
    await unsent.waitFor();
    await alice.page.getByTestId("logout").click();
    await alice.page.getByTestId("logout-anyway").click();
    await alice.page.getByTestId("login-name").waitFor();
    // The keyboard is back in the name field, for whoever joins next.
    expect(await alice.page.getByTestId("login-name").evaluate((el) => el === document.activeElement)).toBe(
      true,
    );

    const left = bob.next(SERVER_EVENTS.left, (u) => u.name === "Alice4", 20_000);
    await alice.context.setOffline(false);
    // The same person joining again at once: the old session ends first, not after the grace window.
    await alice.login("Alice4");
    await left;
    expect(await alice.typesInto(alice.group)).toBe(true);
    // Discarded, as confirmed: the next session of the name does not send it.
    await alice.message(alice.group, "never sent").waitFor({ state: "detached" });
    bob.close();
    await alice.close();
  });
});
