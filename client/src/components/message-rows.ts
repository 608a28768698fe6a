import type { ChatMessage } from "@chat/shared";
import type { PresenceLine } from "../stores/presence-lines";
import { firstIndex } from "./virtual-rows";

/** A row of a message list: a message, or (in the group chat) a line saying who joined or left. */
export type MessageRow = ChatMessage | PresenceLine;

export function isPresenceLine(row: MessageRow): row is PresenceLine {
  return "joined" in row;
}

/** Messages by id, lines by their negative keys: one key space for the list's rows. */
export function rowKey(row: MessageRow): number {
  return isPresenceLine(row) ? row.key : row.id;
}

/**
 * The messages (in id order) with each line after every message sent up to its moment. Found by binary
 * search on the send times, which follow the ids (closely enough, across server processes), so a line
 * costs a lookup, not a pass over 10,000 messages.
 */
export function withPresenceLines(
  messages: readonly ChatMessage[],
  lines: readonly PresenceLine[],
): readonly MessageRow[] {
  if (lines.length === 0) return messages;
  const rows: MessageRow[] = [];
  let from = 0;
  for (const line of lines) {
    const to = firstIndex(from, messages.length, (i) => (messages[i] as ChatMessage).sentAt > line.at);
    for (let i = from; i < to; i++) rows.push(messages[i] as ChatMessage);
    rows.push(line);
    from = to;
  }
  for (let i = from; i < messages.length; i++) rows.push(messages[i] as ChatMessage);
  return rows;
}
