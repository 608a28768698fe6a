import { SERVER_EVENTS } from "@chat/shared";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const started = browserAndServer();

describe("how conversations look in Chromium", () => {
  it("colours each identity, so look-alike names usually differ, and shows one header for a run of messages", async () => {
    // Names that look alike across scripts cannot both be held, but a capital I passes for a small l in
    // many fonts and is not one (names fold case): colour is what still tells these two apart.
    const latin = await ChatUser.login(started.server.url, "Allie");
    const lookalike = await ChatUser.login(started.server.url, "AIlie");
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Looker");
    for (const [from, text] of [
      [latin, "one"],
      [latin, "two"],
      [lookalike, "three"],
      [latin, "four"],
    ] as const) {
      expect((await from.send(null, text)).ok).toBe(true);
    }
    await reader.message(reader.group, "four").waitFor();
    const headers = await Promise.all(
      ["one", "two", "three", "four"].map((text) =>
        reader.message(reader.group, text).locator(".from").count(),
      ),
    );
    expect(headers).toEqual([1, 0, 1, 1]);
    const colour = (text: string) =>
      reader
        .message(reader.group, text)
        .locator(".avatar")
        .evaluate((avatar) => getComputedStyle(avatar).backgroundColor);
    // The colour is the identity's: the same on each of its messages and in the online list.
    expect(await colour("one")).toBe(await colour("four"));
    expect(
      await reader
        .onlineUser("Allie")
        .locator(".avatar")
        .evaluate((avatar) => getComputedStyle(avatar).backgroundColor),
    ).toBe(await colour("one"));
    // One of twelve hues per identity: two may share one by chance (1 in 12), and ten all one hue only once
    // in 12^9 runs (three did once in 144, and a run failed for it).
    const others = await Promise.all(
      Array.from({ length: 7 }, (_, i) => ChatUser.login(started.server.url, `Other${i}`)),
    );
    for (const other of others) await reader.onlineUser(other.name).waitFor();
    const listed = await reader.page
      .locator('[data-testid="online-user"] .avatar')
      .evaluateAll((avatars) => avatars.map((avatar) => getComputedStyle(avatar).backgroundColor));
    expect(listed.length).toBeGreaterThanOrEqual(10);
    expect(new Set(listed).size).toBeGreaterThan(1);
    for (const user of [latin, lookalike, ...others]) user.close();
    await reader.close();
  });

  it("fits a phone: the conversations take the screen's width, and a tap brings a private window into view", async () => {
    const phone = { viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true };
    const ann = await ChatPage.open(started.browser, started.server.url, phone);
    await ann.login("Amy");
    const bob = await ChatUser.login(started.server.url, "Bob Phone");
    const width = async (locator: Locator) => (await locator.boundingBox())?.width ?? 0;
    // Nothing wider than the screen, and the text boxes wide enough to write in.
    expect(await ann.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await width(ann.group.getByTestId("composer"))).toBeGreaterThan(250);

    // A private message opens its window below the fold: the top of the page names it, a tap away.
    await bob.send("Amy", "psst, down here");
    const jump = ann.page.getByTestId("unread-jump");
    expect(await jump.textContent()).toContain("1 unread from Bob Phone");
    await jump.tap();
    const window = ann.privateWindow("Bob Phone");
    await expect.poll(() => ann.typesInto(window)).toBe(true);
    await jump.waitFor({ state: "detached" });
    // The online list, at the top again, chooses the same window.
    await ann.onlineUser("Bob Phone").tap();
    await expect.poll(() => ann.typesInto(window)).toBe(true);
    expect(await width(window.getByTestId("composer"))).toBeGreaterThan(200);
    // Alone in the dock it is as wide as the group window; beside others, the next one peeks in.
    expect(Math.abs((await width(window)) - (await width(ann.group)))).toBeLessThan(2);
    const box = await window.boundingBox();
    // Within the screen, give or take the rounding of fractional pixels.
    expect(box && box.y >= 0 && box.y + box.height <= 781).toBe(true);
    await ann.say(window, "from my phone");
    await bob.waitFor(SERVER_EVENTS.message, (m) => m.text === "from my phone");

    // Held sideways, the screen is wide but short: each conversation still gets room for several lines.
    await ann.page.setViewportSize({ width: 844, height: 390 });
    for (const conversation of [ann.group, window]) {
      const list = await conversation.getByTestId("messages").boundingBox();
      expect(list?.height).toBeGreaterThan(120);
    }
    bob.close();
    await ann.close();
  });

  it("keeps a message's time on one line beside a long name on a narrow phone", async () => {
    const phone = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true };
    const reader = await ChatPage.open(started.browser, started.server.url, phone);
    await reader.login("Narrow");
    const sender = await ChatUser.login(started.server.url, "Maximiliana-Alexandrovna");
    const other = await ChatUser.login(started.server.url, "Cy");
    expect((await sender.send("Narrow", "a long name, a short screen")).ok).toBe(true);
    // A second window in the dock: each narrows, so the next one peeks in.
    expect((await other.send("Narrow", "me too")).ok).toBe(true);
    await reader.message(reader.privateWindow("Cy"), "me too").waitFor();
    const window = reader.privateWindow("Maximiliana-Alexandrovna");
    const time = reader.message(window, "a long name, a short screen").locator("time");
    // One box per line the time's text is laid out on: "7:57 AM" broken at its space makes two.
    const lines = await time.evaluate((element) => {
      const text = document.createRange();
      text.selectNodeContents(element);
      return text.getClientRects().length;
    });
    expect(lines).toBe(1);
    // Kept whole by cutting the name, not by pushing the time out of the window.
    const [timeBox, windowBox] = [await time.boundingBox(), await window.boundingBox()];
    expect((timeBox?.x ?? 0) + (timeBox?.width ?? 0)).toBeLessThan(
      (windowBox?.x ?? 0) + (windowBox?.width ?? 0),
    );
    sender.close();
    other.close();
    await reader.close();
  });

  it("names the private windows in a strip once the dock scrolls, one click from view, with their unread counts", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url, {
      viewport: { width: 1280, height: 800 },
    });
    await reader.login("Juggler");
    const peers = await Promise.all(
      ["Pia", "Quinn", "Rafe", "Sol", "Tam"].map((name) => ChatUser.login(started.server.url, name)),
    );
    const strip = reader.page.getByTestId("dock-strip");
    const open = async (name: string) => {
      await reader.onlineUser(name).click();
      await expect.poll(() => reader.typesInto(reader.privateWindow(name))).toBe(true);
    };
    // Two windows fit side by side: no strip.
    for (const name of ["Pia", "Quinn"]) await open(name);
    expect(await strip.count()).toBe(0);
    // Five do not: each new one scrolled into view, the first ones out of it, and the strip names them all.
    for (const name of ["Rafe", "Sol", "Tam"]) await open(name);
    await strip.waitFor();
    expect(await strip.locator("bdi").allTextContents()).toEqual(["Pia", "Quinn", "Rafe", "Sol", "Tam"]);
    const dock = reader.page.locator(".dock");
    const inDock = async (name: string) => {
      const [window, box] = [await reader.privateWindow(name).boundingBox(), await dock.boundingBox()];
      return (
        window !== null &&
        box !== null &&
        window.x >= box.x - 1 &&
        window.x + window.width <= box.x + box.width + 1
      );
    };
    expect(await inDock("Pia")).toBe(false);

    // A message in a window out of sight shows on its name in the strip.
    const pia = peers[0] as ChatUser;
    expect((await pia.send("Juggler", "over here")).ok).toBe(true);
    const piaTab = strip.locator('[data-peer="Pia"]');
    await expect.poll(() => piaTab.locator(".badge").textContent()).toBe("1");
    // One click: the window comes into view with the keyboard in it, and what it holds is read.
    await piaTab.click();
    await expect.poll(() => reader.typesInto(reader.privateWindow("Pia"))).toBe(true);
    await expect.poll(() => inDock("Pia")).toBe(true);
    await piaTab.locator(".badge").waitFor({ state: "detached" });
    // What a window out of view to the right says to screen readers ("1 unread") does not widen the page.
    expect((await (peers[4] as ChatUser).send("Juggler", "me too")).ok).toBe(true);
    await strip.locator('[data-peer="Tam"] .badge').waitFor();
    const overflow = await reader.page.evaluate(() => {
      const page = document.scrollingElement as Element;
      return [page.scrollWidth - page.clientWidth, page.scrollHeight - page.clientHeight];
    });
    expect(overflow).toEqual([0, 0]);

    // Closed down to what fits, the strip goes.
    for (const name of ["Quinn", "Rafe", "Sol"]) {
      await reader.privateWindow(name).getByTestId("close-window").click();
    }
    await strip.waitFor({ state: "detached" });
    for (const peer of peers) peer.close();
    await reader.close();
  });
});

/** WCAG's contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (colour: string) => {
    const [r, g, bl] = (colour.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((high ?? 0) + 0.05) / ((low ?? 0) + 0.05);
}

describe("what low vision and high contrast users see in Chromium", () => {
  it("shows the edge of every box to type in, and every button as one in forced colours", async () => {
    const reader = await ChatPage.open(started.browser, started.server.url);
    const edge = (field: Locator) => field.evaluate((el) => getComputedStyle(el).borderTopColor);
    // Against white inside, and the page's background around it: 3:1 (WCAG 1.4.11).
    const page = await reader.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const edges = [await edge(reader.page.getByTestId("login-name"))];
    await reader.login("Lowvision");
    edges.push(await edge(reader.group.getByTestId("composer")));
    edges.push(await edge(reader.page.getByPlaceholder("Find someone")));
    for (const colour of edges) {
      expect(contrast(colour, "rgb(255, 255, 255)")).toBeGreaterThanOrEqual(3);
      expect(contrast(colour, page)).toBeGreaterThanOrEqual(3);
    }

    await reader.page.emulateMedia({ forcedColors: "active" });
    const buttons = reader.page.getByRole("button");
    expect(await buttons.count()).toBeGreaterThan(2);
    for (const button of await buttons.all()) {
      const name = (await button.getAttribute("aria-label")) ?? (await button.textContent());
      const border = await button.evaluate((el) => {
        const { borderTopStyle, borderTopWidth } = getComputedStyle(el);
        return [borderTopStyle, borderTopWidth];
      });
      expect(border, name ?? "").toEqual(["solid", "1px"]);
    }
    await reader.close();
  });
});
