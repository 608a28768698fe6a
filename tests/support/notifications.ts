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
    const record = window as unknown as { shown: Shown[]; notificationsClosed: number; last?: Notification };
    record.shown = shown;
    // Not `closed`: window.closed is the browser's own, read-only.
    record.notificationsClosed = 0;
    window.Notification = class extends window.Notification {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body, tag: options?.tag });
        record.last = this;
      }

      override close(): void {
        record.notificationsClosed++;
        super.close();
      }
    };
  });
}

/** What the page has shown as desktop notifications since recordNotifications. */
export const shown = (reader: ChatPage) =>
  reader.page.evaluate(() => (window as unknown as { shown: Shown[] }).shown);

/** How many of the page's desktop notifications the page has closed since recordNotifications. */
export const closed = (reader: ChatPage) =>
  reader.page.evaluate(() => (window as unknown as { notificationsClosed: number }).notificationsClosed);
