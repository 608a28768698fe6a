import type { ChatMessage, MessageId } from "@chat/shared";

/** The message as stored: everything but the id, which is its key. */
export type StoredMessage = Omit<ChatMessage, "id">;

export const toMessage = (id: number, json: string): ChatMessage => ({
  id,
  ...(JSON.parse(json) as StoredMessage),
});

/**
 * The messages read most recently, parsed. After a reconnect every client syncs from a margin before the
 * newest message, so in a reconnect storm thousands of reads return the same few hundred messages; each
 * parsed anew, their JSON.parse and the garbage it left were a fifth of the storm's time. A message never
 * changes once stored, but its id can name another one after Redis lost its data (the counter starts
 * again), so a message is reused only for the very JSON it was parsed from.
 */
export class ParsedMessages {
  private readonly byId = new Map<MessageId, { json: string; message: ChatMessage }>();

  constructor(private readonly capacity: number) {}

  get(id: MessageId, json: string): ChatMessage {
    const known = this.byId.get(id);
    if (known?.json === json) return known.message;
    const message = toMessage(id, json);
    // Oldest first in the map's order: the first key is the one to forget.
    this.byId.delete(id);
    this.byId.set(id, { json, message });
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as MessageId);
    return message;
  }
}
