import type { ChatPage } from "./chat-page.js";

interface Shown {
  title: string;
  body?: string;
  tag?: string;
}

/**
 * Records the page's desktop notifications as it makes them: Chromium shows them for real, but nothing
 * outside the page can read them. The last one can be clicked, as the user would.
 */
export function recordNotifications(reader: ChatPage): Promise<void> {
  return reader.page.evaluate(() => {
    const shown: Shown[] = [];
    const record = window as unknown as { shown: Shown[]; last?: Notification };
    record.shown = shown;
    window.Notification = class extends window.Notification {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body, tag: options?.tag });
        record.last = this;
      }
    };
  });
}

/** What the page has shown as desktop notifications since recordNotifications. */
export const shown = (reader: ChatPage) =>
  reader.page.evaluate(() => (window as unknown as { shown: Shown[] }).shown);
