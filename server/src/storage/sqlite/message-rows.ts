import type { ChatMessage } from "@chat/shared";

/** A message as the messages table holds it, and as clients get it. */

export interface MessageRow {
  id: number;
  from_id: string;
  from_name: string;
  to_id: string | null;
  to_name: string | null;
  text: string;
  sent_at: number;
  client_id: string;
}

export const COLUMNS = "id, from_id, from_name, to_id, to_name, text, sent_at, client_id";

export function toMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    from: row.from_name,
    fromId: row.from_id,
    to: row.to_name,
    toId: row.to_id,
    text: row.text,
    sentAt: row.sent_at,
    clientId: row.client_id,
  };
}
