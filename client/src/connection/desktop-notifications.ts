import type { ChatMessage } from "@chat/shared";
import { conversationId, type Peer } from "../stores/conversation";
import { useWindows } from "../stores/windows";

/** Those shown and not closed yet: see closeNotifications. */
const shown = new Set<Notification>();

/** Whether this browser can show desktop notifications at all (not in Node, nor in some embedded views). */
export const notificationsSupported = (): boolean => typeof Notification !== "undefined";

/**
 * A private message that arrives while the page is hidden also shows as a desktop notification, once the
 * user has allowed them (NotifyButton asks): the sender as the title, the text as plain text. One per
 * conversation at a time (its tag), so a burst replaces rather than piles up. A click brings the tab, and
 * that conversation's window, to the front. The group's messages do not notify: with everyone online
 * they would be noise; the tab's title counts them.
 */
export function notifyWhileHidden(peer: Peer, message: ChatMessage): void {
  // Visibility first: reading the permission costs far more (36 to 160 µs), and a visible page needs none.
  if (globalThis.document?.visibilityState !== "hidden") return;
  if (!notificationsSupported() || Notification.permission !== "granted") return;
  const id = conversationId(peer);
  let notification: Notification;
  try {
    notification = new Notification(peer.name, { body: message.text, tag: id });
  } catch {
    // Chrome on Android shows notifications only through a service worker, and throws here.
    return;
  }
  shown.add(notification);
  notification.onclose = () => shown.delete(notification);
  notification.onclick = () => {
    window.focus();
    useWindows().requestFocus(id);
    notification.close();
  };
}

/**
 * Closes every notification still on the screen: the identity they were for signed out, and the next
 * person at this computer is not to read its private messages there.
 */
export function closeNotifications(): void {
  for (const notification of shown) notification.close();
  shown.clear();
}
