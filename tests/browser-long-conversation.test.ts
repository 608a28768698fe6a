import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

const EARLIER = 60;
const LIVE = 10_000;
/** Then enough to take the conversation past what the web client holds of it (MESSAGES_KEPT, and a margin). */
const MORE = 2_000;
const SENDS_IN_FLIGHT = 50;
/** Ten thousand messages reach the page one event at a time; seeing them all takes longer than a click. */
const ARRIVAL_TIMEOUT_MS = 120_000;

// Faster than any person writes.
const started = browserAndServer({ MESSAGES_PER_SECOND: "0" });

async function sendAll(writer: ChatUser, count: number, text: (i: number) => string): Promise<void> {
  let next = 1;
  const lane = async () => {
    while (next <= count) expect((await writer.send(null, text(next++))).ok).toBe(true);
  };
  await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, lane));
}

/** Whether the texts are `live k`, `live k+1`, … with no gap: a stretch of the conversation, in order. */
function consecutive(texts: string[]): boolean {
  const numbers = texts.map((t) => Number(/^live (\d+)$/.exec(t)?.[1] ?? Number.NaN));
  return numbers.length >= 3 && numbers.every((n, i) => n === (numbers[0] as number) + i);
}

describe("a long conversation in Chromium", () => {
  it("shows 10,000 messages: the newest at the bottom, any stretch by scrolling, older history at the top, and lets the oldest go past 12,000", async () => {
    const writer = await ChatUser.login(started.server.url, "Writer");
    await sendAll(writer, EARLIER, (i) => `earlier ${i}`);
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Reader");
    await reader.message(reader.group, `earlier ${EARLIER}`).waitFor();
    const list = reader.group.getByTestId("messages");

    await sendAll(writer, LIVE, (i) => `live ${i}`);
    await reader.message(reader.group, `live ${LIVE}`).waitFor({ timeout: ARRIVAL_TIMEOUT_MS });
    await expect.poll(async () => (await reader.visibleTexts(reader.group)).at(-1)).toBe(`live ${LIVE}`);
    // Only the rows near the view are in the page, not ten thousand.
    expect((await reader.texts(reader.group)).length).toBeLessThan(200);

    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
    await expect.poll(async () => consecutive(await reader.visibleTexts(reader.group))).toBe(true);

    // At the top the older page loads above, and the message that was at the top stays in view.
    await list.evaluate((el) => el.scrollTo(0, 0));
    await reader.message(reader.group, "earlier 1").waitFor();
    await reader.group.getByTestId("load-older").waitFor({ state: "detached" });
    await expect.poll(() => reader.visibleTexts(reader.group)).toContain("earlier 11");
    expect(await reader.visibleTexts(reader.group)).not.toContain("earlier 5");
    await list.evaluate((el) => el.scrollTo(0, 0));
    await expect.poll(async () => (await reader.visibleTexts(reader.group))[0]).toBe("earlier 1");

    // Back at the bottom, new messages, the reader's own included, stay in view as they come.
    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(async () => (await reader.visibleTexts(reader.group)).at(-1)).toBe(`live ${LIVE}`);
    expect((await writer.send(null, "one more")).ok).toBe(true);
    await expect.poll(async () => (await reader.visibleTexts(reader.group)).at(-1)).toBe("one more");
    await reader.say(reader.group, "mine, at the bottom");
    await reader
      .message(reader.group, "mine, at the bottom")
      .and(reader.page.locator('[data-state="sent"]'))
      .waitFor();
    await expect
      .poll(async () => (await reader.visibleTexts(reader.group)).at(-1))
      .toBe("mine, at the bottom");

    // The chat goes on past what a conversation holds (MESSAGES_KEPT) while the reader reads back: what
    // they read stays, and the button below counts what came.
    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
    // Rows measured as they come into view correct the position for a few frames after such a jump.
    let [reading, seen]: [string[], string] = [[], ""];
    await expect
      .poll(
        async () => {
          const texts = await reader.visibleTexts(reader.group);
          const now = `${await list.evaluate((el) => el.scrollTop)} ${texts}`;
          const still = now === seen;
          [reading, seen] = [texts, now];
          return still && consecutive(texts);
        },
        { interval: 200 },
      )
      .toBe(true);
    await sendAll(writer, MORE, (i) => `more ${i}`);
    const newBelow = reader.group.getByTestId("new-below");
    await expect
      .poll(() => newBelow.textContent(), { timeout: ARRIVAL_TIMEOUT_MS })
      .toContain(`${MORE} new messages`);
    expect(await reader.visibleTexts(reader.group)).toEqual(reading);

    // Back at the newest, the next message lets the oldest go: at the top, older pages can be loaded
    // again, where the beginning had been reached, and they join what is held without a gap.
    await newBelow.click();
    await expect.poll(async () => (await reader.visibleTexts(reader.group)).at(-1)).toBe(`more ${MORE}`);
    expect((await writer.send(null, "past what it holds")).ok).toBe(true);
    await expect
      .poll(async () => (await reader.visibleTexts(reader.group)).at(-1))
      .toBe("past what it holds");
    await list.evaluate((el) => el.scrollTo(0, 0));
    await reader.group.getByTestId("load-older").waitFor();
    await expect.poll(async () => consecutive(await reader.visibleTexts(reader.group))).toBe(true);
    expect(await reader.texts(reader.group)).not.toContain("earlier 1");
    writer.close();
    await reader.close();
  });
});
