/** Users and messages for the storage contract suites: ids unique across the run, keys as the server makes them. */
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import type { NewMessage } from "../messages/store.js";
import type { User } from "../users.js";

/** The window a claim starts in these suites: no test outlasts it, unless it asks for a shorter one. */
export const CLAIM_WINDOW_MS = 60_000;

let userCount = 0;
export function user(name: string): User {
  return { id: `u${++userCount}-${name}`, name, key: uniqueNameKey(name) };
}

export function message(
  from: User,
  to: User | null,
  text: string,
  clientId = `${from.id}:${text}`,
): NewMessage {
  return { from, to, text, clientId, sentAt: 1_700_000_000_000 };
}
