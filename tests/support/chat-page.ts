import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from "playwright-core";

/** What separates the packets of one long-polling request or answer (Engine.IO 4). */
const POLLING_SEPARATOR = "\x1e";
/** Engine.IO's packet that carries nothing. */
const ENGINE_NOOP = "6";

/** One person in their own browser context (own sessionStorage, own cookies), driving the real client. */
export class ChatPage {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** options: the device, for example a phone's viewport and touch screen. */
  static async open(browser: Browser, url: string, options?: BrowserContextOptions): Promise<ChatPage> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(url);
    return new ChatPage(context, page);
  }

  /**
   * The tab duplicated ("Duplicate tab"): the browser gives the new tab a copy of this one's sessionStorage,
   * and with it the login. Opened with window.open, which makes the same copy, by the browser's own code.
   */
  async duplicate(): Promise<ChatPage> {
    const [page] = await Promise.all([
      this.context.waitForEvent("page"),
      this.page.evaluate(() => void window.open(location.href)),
    ]);
    return new ChatPage(this.context, page);
  }

  /** Another tab of the same browser, opened afresh: a sessionStorage of its own, so a login of its own. */
  async newTab(): Promise<ChatPage> {
    const page = await this.context.newPage();
    await page.goto(this.page.url());
    return new ChatPage(this.context, page);
  }

  /**
   * Loses on the way what the page sends for which `lost` is true, as if the server never answered it: each
   * WebSocket frame (one packet), and each long-polling POST, whose body (several packets, separated by
   * \x1e) is lost whole when `lost` is true of it. Applies to pages loaded after it.
   */
  async losePackets(lost: (packet: string) => boolean): Promise<void> {
    await this.context.route("**/socket.io/**", (route) => {
      const body = route.request().postData();
      if (body !== null && lost(body)) return route.fulfill({ body: "ok" });
      return route.continue();
    });
    await this.context.routeWebSocket(/\/socket\.io\//, (client) => {
      const server = client.connectToServer();
      client.onMessage((message) => {
        if (typeof message !== "string" || !lost(message)) server.send(message);
      });
    });
  }

  /**
   * Loses on the way what the server sends the page for which `lost` is true: each WebSocket frame (one
   * packet), and each packet of a long-polling answer. Applies to requests made after it.
   */
  async loseAnswers(lost: (packet: string) => boolean): Promise<void> {
    await this.context.route("**/socket.io/**", async (route) => {
      if (route.request().method() !== "GET") return route.continue();
      const response = await route.fetch();
      const packets = (await response.text()).split(POLLING_SEPARATOR).filter((packet) => !lost(packet));
      // An answer left empty says "nothing" (a noop packet): an empty body would be a broken transport.
      return route.fulfill({ response, body: packets.join(POLLING_SEPARATOR) || ENGINE_NOOP });
    });
    await this.context.routeWebSocket(/\/socket\.io\//, (client) => {
      const server = client.connectToServer();
      server.onMessage((message) => {
        if (typeof message !== "string" || !lost(message)) client.send(message);
      });
    });
  }

  /** Types the name and presses Join, without waiting for the outcome. */
  async join(name: string): Promise<void> {
    await this.page.getByTestId("login-name").fill(name);
    await this.page.getByTestId("login-join").click();
  }

  /** Joins and waits for the chat view to show who we are. */
  async login(name: string): Promise<void> {
    await this.join(name);
    await this.page.getByTestId("my-name").getByText(name, { exact: true }).waitFor();
  }

  get group(): Locator {
    return this.page.getByTestId("group-window");
  }

  /** The window with whoever holds the name, or, given `id`, with that identity only. */
  privateWindow(peer: string, id?: string): Locator {
    const identity = id === undefined ? "" : `[data-peer-id=${cssString(id)}]`;
    return this.page.locator(`[data-testid="private-window"][data-peer=${cssString(peer)}]${identity}`);
  }

  onlineUser(name: string): Locator {
    return this.page.locator(`[data-testid="online-user"][data-name=${cssString(name)}]`);
  }

  /**
   * The texts of every message a window shows, sent and pending, top to bottom; with `lines`, its "Ana joined"
   * lines too, in their places among them.
   */
  texts(window: Locator, { lines = false } = {}): Promise<string[]> {
    return window.locator(lines ? `${MESSAGE_TEXT}, ${PRESENCE_LINE}` : MESSAGE_TEXT).allTextContents();
  }

  /**
   * The texts of the messages a reader can see now: those inside the window's scrolled view, top to bottom;
   * with `lines`, the join and leave lines among them too.
   */
  visibleTexts(window: Locator, { lines = false } = {}): Promise<string[]> {
    const rows = lines ? `${MESSAGE}, ${PRESENCE_LINE}` : MESSAGE;
    return window.getByTestId("messages").evaluate((list, selector) => {
      const view = list.getBoundingClientRect();
      return Array.from(list.querySelectorAll(selector))
        .filter((row) => {
          const box = row.getBoundingClientRect();
          return box.bottom > view.top && box.top < view.bottom;
        })
        .map((row) => (row.querySelector(".text") ?? row).textContent ?? "");
    }, rows);
  }

  /** The message with exactly this text in the window (a locator: awaiting it waits for it). */
  message(window: Locator, text: string): Locator {
    return window
      .locator('[data-testid="message"]')
      .filter({ has: this.page.getByText(text, { exact: true }) });
  }

  /** Whether the keyboard is in this window's composer: what is typed now goes there. */
  typesInto(window: Locator): Promise<boolean> {
    return window.getByTestId("composer").evaluate((el) => el === document.activeElement);
  }

  async say(window: Locator, text: string): Promise<void> {
    await window.getByTestId("composer").fill(text);
    await window.getByTestId("composer").press("Enter");
  }

  /** The page as the browser has it when the user is in another tab (or back), as far as the client can tell. */
  setHidden(hidden: boolean): Promise<void> {
    return this.page.evaluate((hide) => {
      Object.defineProperty(document, "visibilityState", {
        value: hide ? "hidden" : "visible",
        configurable: true,
      });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);
  }

  status(): Promise<string | null> {
    return this.page.getByTestId("connection-status").getAttribute("data-status");
  }

  /** Closes the browser context: every tab opened from this one too. */
  close(): Promise<void> {
    return this.context.close();
  }
}

const MESSAGE = '[data-testid="message"]';
const MESSAGE_TEXT = `${MESSAGE} .text`;
const PRESENCE_LINE = '[data-testid="presence-line"]';

/** A CSS string literal of any name, quotes and backslashes included (JSON's escapes are valid CSS). */
function cssString(value: string): string {
  return JSON.stringify(value);
}
