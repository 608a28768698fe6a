import type { ChatMessage, MessageId } from "@chat/shared";
import type { User, UserId } from "../users.js";

export interface NewMessage {
  from: User;
  /** null: the group chat. */
  to: User | null;
  text: string;
  clientId: string;
  sentAt: number;
}

/** What clients see of a new message, all but the id the store gives it. */
export function withoutId({ from, to, text, sentAt, clientId }: NewMessage): Omit<ChatMessage, "id"> {
  return {
    from: from.name,
    fromId: from.id,
    to: to?.name ?? null,
    toId: to?.id ?? null,
    text,
    sentAt,
    clientId,
  };
}

export interface AppendResult {
  message: ChatMessage;
  /** The sender had already sent this clientId: `message` is the original, nothing new was stored. */
  duplicate: boolean;
  /**
   * A duplicate whose original was never marked `delivered`: the process that stored it died before its
   * fan-out reached the other processes, so this resend must deliver it.
   */
  undelivered?: boolean;
}

/** The other party of a private conversation: whoever held the name key, or only the identity `id`. */
export interface ConversationPeer {
  key: string;
  id: UserId | null;
}

/** Durable, globally ordered messages. */
export interface MessageStore {
  /** Resolves once the message is durable, with a server-ordered id. */
  append(message: NewMessage): Promise<AppendResult>;
  /** The message's fan-out has been handed to every process (see AppendResult.undelivered). */
  delivered(id: MessageId): Promise<void>;
  findByClientId(from: UserId, clientId: string): Promise<ChatMessage | null>;
  /**
   * One page of a conversation as `viewer` sees it, oldest first: the group (peer null), or the
   * messages between viewer and that peer.
   */
  page(
    viewer: UserId,
    peer: ConversationPeer | null,
    before: MessageId | null,
    limit: number,
  ): Promise<ChatMessage[]>;
  /** Messages visible to viewer (group + their private ones) with id > after, oldest first. */
  visibleAfter(viewer: UserId, after: MessageId | null, limit: number): Promise<ChatMessage[]>;
}
