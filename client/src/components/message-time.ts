/**
 * When a message was sent, as short as it can be said: the time for today's, the day and time for
 * older ones (the year too when it is not this year's), so history from other days is not mistaken for
 * today's. `locale` undefined: the browser's.
 */
export function messageTime(sentAt: number, now: number, locale?: string): string {
  const sent = new Date(sentAt);
  const today = new Date(now);
  const time: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit" };
  if (sent.toDateString() === today.toDateString()) return sent.toLocaleTimeString(locale, time);
  const year = sent.getFullYear() === today.getFullYear() ? undefined : "numeric";
  return sent.toLocaleString(locale, { ...time, month: "short", day: "numeric", year });
}

/** The whole date and time, for the tooltip. */
export function fullMessageTime(sentAt: number, locale?: string): string {
  return new Date(sentAt).toLocaleString(locale, { dateStyle: "full", timeStyle: "short" });
}
