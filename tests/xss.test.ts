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
