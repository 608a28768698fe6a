import { afterAll, describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { browserAndServer } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";

/** Every payload sets window.__pwned or opens a dialog if it ever runs. */
const MESSAGES = [
  "<script>window.__pwned = 1</script>",
  '<img src=x onerror="window.__pwned = 1; alert(1)">',
  "<svg onload=alert(1)><circle r=9 /></svg>",
  '<a href="javascript:alert(1)">click me</a>',
  "javascript:alert(document.cookie)",
  '"><iframe src="javascript:alert(1)"></iframe>',
  "<b onmouseover=alert(1)>hover</b>",
  "<style>body { display: none }</style>",
  "{{ constructor.constructor('window.__pwned = 1')() }}",
  "&lt;b&gt;already escaped&lt;/b&gt; &amp;",
  "\u202Egnp.exe — the RTL override reverses what follows",
];

/** Names that pass the name rules (at most 32 characters, no control or format characters). */
const NAMES = [
  "<img src=x onerror=alert(1)>",
  '"><svg onload=alert(1)>',
  "<script>alert(1)</script>",
  "javascript:alert(1)",
  "{{ 7 * 7 }}",
];

/** The only elements the client itself renders in message lists and the online list. */
const CLIENT_TAGS = ["OL", "UL", "LI", "SPAN", "BDI", "P", "TIME", "BUTTON", "SMALL"];

const started = browserAndServer();
const users: ChatUser[] = [];

afterAll(() => {
  for (const user of users) user.close();
});

/**
 * A logged-in page that records every dialog (dismissing it) and every CSP violation: script that tried to
 * run, whether or not the policy stopped it.
 */
async function watchedPage(name: string): Promise<{ chat: ChatPage; alarms: string[] }> {
  const chat = await ChatPage.open(started.browser, started.server.url);
  const alarms: string[] = [];
  chat.page.on("dialog", (dialog) => {
    alarms.push(`dialog ${dialog.message()}`);
    void dialog.dismiss();
  });
  await chat.page.exposeFunction("reportViolation", (directive: string) => alarms.push(`CSP ${directive}`));
  await chat.page.evaluate(() =>
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { reportViolation(d: string): void }).reportViolation(e.violatedDirective),
    ),
  );
  await chat.login(name);
  return { chat, alarms };
}

/** How many pixels of a screenshot's right half are darker than the page's light background. */
async function inkInRightHalf(png: Buffer): Promise<number> {
  // Decoded by Chromium itself, in a page of its own: the chat page's CSP allows no data: images.
  const context = await started.browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement("canvas");
      [canvas.width, canvas.height] = [image.width, image.height];
      const drawing = canvas.getContext("2d") as CanvasRenderingContext2D;
      drawing.drawImage(image, 0, 0);
      const half = Math.floor(image.width / 2);
      const { data } = drawing.getImageData(half, 0, image.width - half, image.height);
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.min(data[i] as number, data[i + 1] as number, data[i + 2] as number) < 200) ink++;
      }
      return ink;
    }, png.toString("base64"));
  } finally {
    await context.close();
  }
}

describe("hostile text in Chromium", () => {
  it("is served with a Content-Security-Policy that forbids inline script, and the page has none", async () => {
    const res = await fetch(started.server.url);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const { chat } = await watchedPage("Checker");
    const inline = await chat.page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.__inline = 1";
      document.head.append(script);
      return {
        ran: (window as unknown as { __inline?: number }).__inline,
        inlineScripts: document.querySelectorAll("script:not([src])").length - 1,
      };
    });
    expect(inline).toEqual({ ran: undefined, inlineScripts: 0 });
    await chat.close();
  });

  it("sent as messages and used as names renders as inert text, exactly as typed", async () => {
    const { chat: victim, alarms } = await watchedPage("Victim");
    // One attacker types in its own browser, so the composer and its own rendering are covered too.
    const { chat: typist, alarms: typistAlarms } = await watchedPage("<b>typist</b>");
    // The others log in with hostile names and send every payload to the group and privately to the victim.
    const attackers = await Promise.all(NAMES.map((name) => ChatUser.login(started.server.url, name)));
    users.push(...attackers);
    for (const attacker of attackers) {
      for (const text of MESSAGES) expect((await attacker.send(null, text)).ok).toBe(true);
      expect((await attacker.send("Victim", MESSAGES[1] as string)).ok).toBe(true);
    }
    for (const text of MESSAGES) await typist.say(typist.group, text);
    for (const text of MESSAGES) await victim.message(victim.group, text).nth(NAMES.length).waitFor();
    for (const name of NAMES) await victim.privateWindow(name).waitFor();

    for (const page of [victim, typist]) {
      const rendered = await page.page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: number }).__pwned,
        tags: Array.from(
          document.querySelectorAll('[data-testid="messages"] *, [data-testid="online-user"] *'),
        ).map((element) => element.tagName),
        senders: Array.from(document.querySelectorAll('[data-testid="group-window"] .from')).map(
          (e) => e.textContent,
        ),
        online: Array.from(document.querySelectorAll<HTMLElement>('[data-testid="online-user"]')).map(
          (e) => e.dataset.name,
        ),
      }));
      expect(rendered.pwned).toBeUndefined();
      expect(rendered.tags.filter((tag) => !CLIENT_TAGS.includes(tag))).toEqual([]);
      expect(new Set(rendered.senders)).toEqual(new Set([...NAMES, "<b>typist</b>"]));
      expect(rendered.online).toEqual(expect.arrayContaining([...NAMES, "Victim", "<b>typist</b>"]));
      const texts = await page.texts(page.group);
      for (const text of MESSAGES) expect(texts.filter((t) => t === text)).toHaveLength(NAMES.length + 1);
    }
    const privateTexts = await Promise.all(NAMES.map((name) => victim.texts(victim.privateWindow(name))));
    expect(privateTexts).toEqual(NAMES.map(() => [MESSAGES[1]]));
    expect([...alarms, ...typistAlarms]).toEqual([]);
    await victim.close();
    await typist.close();
  });

  it("makes the web addresses in a message links that open in a tab of their own, and nothing else", async () => {
    const writer = await ChatUser.login(started.server.url, "Linker");
    users.push(writer);
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Clicker");
    const text = "see https://example.org/wiki/Chat_(software). not javascript:alert(1) nor example.org";
    expect((await writer.send(null, text)).ok).toBe(true);
    const row = reader.message(reader.group, text);
    await row.waitFor();
    const links = await row.locator("a").evaluateAll((anchors) =>
      anchors.map((a) => ({
        text: a.textContent,
        href: a.getAttribute("href"),
        target: a.getAttribute("target"),
        rel: a.getAttribute("rel"),
      })),
    );
    const address = "https://example.org/wiki/Chat_(software)";
    expect(links).toEqual([
      { text: address, href: address, target: "_blank", rel: "noopener noreferrer nofollow" },
    ]);
    expect(await reader.texts(reader.group)).toContain(text);
    await reader.close();
  });

  it("stacks combining marks within its own row, never over the messages around it", async () => {
    const writer = await ChatUser.login(started.server.url, "Stacker");
    users.push(writer);
    const reader = await ChatPage.open(started.browser, started.server.url);
    await reader.login("Looker");
    // Marks above and below every letter, as "Zalgo" text piles them up: they would reach far past the line.
    const marks = Array.from({ length: 40 }, (_, i) => String.fromCodePoint(0x300 + (i % 0x70))).join("");
    // Letters enough to run across the window (within the 4,000 code points a message may have).
    const piled = Array.from({ length: 95 }, () => `a${marks}`).join("");
    for (const text of ["above", piled, "below"]) expect((await writer.send(null, text)).ok).toBe(true);
    await reader.message(reader.group, "below").waitFor();
    // The right half of a short message's row is empty: anything drawn there came from another row.
    for (const text of ["above", "below"]) {
      expect(await inkInRightHalf(await reader.message(reader.group, text).screenshot())).toBe(0);
    }
    await reader.close();
  });

  it("lays out right-to-left text in every field as it is typed, as the messages already were", async () => {
    const chat = await ChatPage.open(started.browser, started.server.url);
    const hebrew = "שלום לכולם!";
    const field = (testId: string) => chat.page.getByTestId(testId).first();
    const direction = (testId: string) =>
      field(testId).evaluate((element) => (element.matches(":dir(rtl)") ? "rtl" : "ltr"));
    await field("login-name").fill(hebrew);
    expect(await direction("login-name")).toBe("rtl");
    await chat.login("Writer");
    for (const testId of ["composer", "online-find"]) {
      await field(testId).fill(hebrew);
      expect(await direction(testId)).toBe("rtl");
    }
    await chat.close();
  });

  it("refuses a name with an RTL override, in words, instead of showing it", async () => {
    const chat = await ChatPage.open(started.browser, started.server.url);
    await chat.join("\u202Enimda");
    await chat.page
      .getByTestId("login-error")
      .getByText(/invisible/)
      .waitFor();
    await chat.close();
  });
});
