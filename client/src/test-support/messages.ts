import type { ChatMessage } from "@chat/shared";
import type { Peer } from "../stores/conversation";

/** Message `id` from one identity to another (null: the group), as the server would send it; for tests. */
export function chatMessage(id: number, from: Peer, to: Peer | null = null): ChatMessage {
  return {
    id,
    from: from.name,
    fromId: from.id,
    to: to?.name ?? null,
    toId: to?.id ?? null,
    text: `text ${id}`,
    sentAt: 1_700_000_000_000 + id,
    clientId: `c${id}`,
  };
}
