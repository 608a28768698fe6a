const TIME: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit" };
const DAY_AND_TIME: Intl.DateTimeFormatOptions = { ...TIME, month: "short", day: "numeric" };
const YEAR_DAY_AND_TIME: Intl.DateTimeFormatOptions = { ...DAY_AND_TIME, year: "numeric" };
const FULL: Intl.DateTimeFormatOptions = { dateStyle: "full", timeStyle: "short" };

/** By style, then by locale. */
const formats = new Map<Intl.DateTimeFormatOptions, Map<string | undefined, Intl.DateTimeFormat>>();

/**
 * One formatter per style and locale, made once. `toLocaleString` with options makes a new one on every
 * call: an ICU object each, twice per row, and while a long list scrolls that garbage added up to
 * collections of 50–170 ms (frames the reader saw stall).
 */
function formatter(locale: string | undefined, style: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const byLocale = formats.get(style) ?? new Map<string | undefined, Intl.DateTimeFormat>();
  formats.set(style, byLocale);
  let format = byLocale.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, style);
    byLocale.set(locale, format);
  }
  return format;
}

/**
 * When a message was sent, as short as it can be said: the time for today's, the day and time for
 * older ones (the year too when it is not this year's), so history from other days is not mistaken for
 * today's. `locale` undefined: the browser's.
 */
export function messageTime(sentAt: number, now: number, locale?: string): string {
  const sent = new Date(sentAt);
  const today = new Date(now);
  if (sent.toDateString() === today.toDateString()) return formatter(locale, TIME).format(sent);
  const style = sent.getFullYear() === today.getFullYear() ? DAY_AND_TIME : YEAR_DAY_AND_TIME;
  return formatter(locale, style).format(sent);
}

/** The whole date and time, for the tooltip. */
export function fullMessageTime(sentAt: number, locale?: string): string {
  return formatter(locale, FULL).format(sentAt);
}
