import {
  type ChatMessage,
  ErrorCode,
  failure,
  type HistoryRequest,
  LIMITS,
  type MessageId,
  normalizeName,
  type Parsed,
  type SendRequest,
  type SyncRequest,
  type TypingRequest,
  type UserSummary,
} from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import type { Presence } from "../presence/presence.js";
import type { Sessions } from "../sessions/sessions.js";
import { summaryOf, type User, type UserId } from "../users.js";
import type { AppendResult, MessageStore } from "./store.js";

/**
 * How a new message reaches the sockets that should see it; the transport implements it. Each resolves
 * once the message is on its way to every node, so an ack never overtakes the fan-out: a node that dies
 * right after acknowledging cannot leave the other nodes' users without a message its sender saw sent.
 */
export interface Delivery {
  /** Every online user's sockets but the sending one. */
  toEveryone(message: ChatMessage, exceptSocketId: string): Promise<void>;
  /** All sockets of these identities but the sending one. */
  toUsers(ids: UserId[], message: ChatMessage, exceptSocketId: string): Promise<void>;
  /** A passing notice to every socket of `to`: dropped where it cannot be written now, never replayed. */
  typing(to: User, typist: UserSummary): void;
}

/** Sending messages and reading them back, and the typing notices that come before them (never stored). */
export class Messages {
  /** Messages this process is fanning out: a resend meanwhile must not deliver them a second time. */
  private readonly delivering = new Set<MessageId>();
  /**
   * Sends this process has begun and not stored yet, by sender and clientId. A resend arriving meanwhile
   * (its first socket dropped before the ack) whose recipient has left must still get the original back,
   * which the store does not know of until its batch commits, nor this process until the original's
   * recipient is looked up.
   */
  private readonly storing = new Map<string, Promise<Parsed<AppendResult>>>();

  constructor(
    private readonly store: MessageStore,
    private readonly presence: Presence,
    private readonly sessions: Sessions,
    private readonly delivery: Delivery,
  ) {}

  async send(sender: User, socketId: string, req: SendRequest): Promise<Parsed<ChatMessage>> {
    const key = `${sender.id} ${req.clientId}`;
    const storing = this.stored(sender, req, this.storing.get(key));
    this.storing.set(key, storing);
    let stored: Parsed<AppendResult>;
    try {
      stored = await storing;
    } finally {
      if (this.storing.get(key) === storing) this.storing.delete(key);
    }
    if (!stored.ok) return stored;
    const { message, duplicate, undelivered } = stored.value;
    if (!duplicate || (undelivered && !this.delivering.has(message.id))) {
      await this.deliver(message, sender, socketId);
    }
    return { ok: true, value: message };
  }

  /** Stores the message, unless its recipient is gone; `earlier` is a send of its clientId under way. */
  private async stored(
    sender: User,
    req: SendRequest,
    earlier: Promise<Parsed<AppendResult>> | undefined,
  ): Promise<Parsed<AppendResult>> {
    const peer = req.to === null ? null : await this.resolvePeer(sender, req.to, req.toId ?? null);
    if (peer && !peer.ok) {
      // A resend of a message that was sent before its recipient left is still a success.
      const original = await this.original(sender, req.clientId, earlier);
      return original
        ? { ok: true, value: { message: original, duplicate: true, undelivered: false } }
        : peer;
    }
    const message = { from: sender, to: peer?.value ?? null, text: req.text, clientId: req.clientId };
    return { ok: true, value: await this.store.append({ ...message, sentAt: Date.now() }) };
  }

  /** The message `sender` sent with this clientId, once stored, or null if there is none. */
  private async original(
    sender: User,
    clientId: string,
    earlier: Promise<Parsed<AppendResult>> | undefined,
  ): Promise<ChatMessage | null> {
    const pending = earlier ? await earlier.catch(() => null) : null;
    if (pending?.ok) return pending.value.message;
    return this.store.findByClientId(sender.id, clientId);
  }

  /**
   * To whom the stored message is for: a resend of its clientId may name someone else (or the group), and
   * must not redirect it.
   */
  private async deliver(message: ChatMessage, sender: User, socketId: string): Promise<void> {
    this.delivering.add(message.id);
    try {
      if (message.to === null || message.toId === null) {
        await this.delivery.toEveryone(message, socketId);
      } else {
        await this.delivery.toUsers([message.toId, sender.id], message, socketId);
      }
      await this.store.delivered(message.id);
    } finally {
      this.delivering.delete(message.id);
    }
  }

  /** Tells the peer that `sender` is writing to them; nothing is stored. */
  async typing(sender: User, req: TypingRequest): Promise<Parsed<null>> {
    const peer = await this.resolvePeer(sender, req.to, req.toId ?? null);
    if (!peer.ok) return peer;
    this.delivery.typing(peer.value, summaryOf(sender));
    return { ok: true, value: null };
  }

  async history(viewer: User, req: HistoryRequest): Promise<ChatMessage[]> {
    const peer =
      req.with === null ? null : { key: uniqueNameKey(normalizeName(req.with)), id: req.withId ?? null };
    return this.store.page(viewer.id, peer, req.before ?? null, req.limit ?? LIMITS.historyPageDefault);
  }

  async sync(viewer: User, req: SyncRequest): Promise<{ messages: ChatMessage[]; more: boolean }> {
    // One extra row tells whether another page follows, without a count query.
    const rows = await this.store.visibleAfter(viewer.id, req.after, LIMITS.syncPageMax + 1);
    let end = 0;
    for (let chars = 0; end < Math.min(rows.length, LIMITS.syncPageMax); end++) {
      chars += (rows[end] as ChatMessage).text.length;
      if (chars > LIMITS.syncPageMaxChars && end > 0) break;
    }
    return { messages: rows.slice(0, end), more: rows.length > end };
  }

  /**
   * The online (or briefly away) holder of a name; a name held only in the past is USER_OFFLINE, and so
   * is one held now by someone other than the identity `toId` (when given) names.
   */
  private async resolvePeer(sender: User, to: string, toId: string | null): Promise<Parsed<User>> {
    const key = uniqueNameKey(normalizeName(to));
    if (key === sender.key)
      return failure(ErrorCode.NO_SUCH_USER, "You cannot send a private message to yourself.");
    const holder = await this.presence.holderOf(key);
    if (holder && toId !== null && holder.id !== toId) {
      return failure(ErrorCode.USER_OFFLINE, `${to} has left the chat; someone else uses the name now.`);
    }
    if (holder) return { ok: true, value: holder };
    if (await this.sessions.isKnownName(key)) {
      return failure(ErrorCode.USER_OFFLINE, `${to} has left the chat.`);
    }
    return failure(ErrorCode.NO_SUCH_USER, `Nobody called ${to} is in the chat.`);
  }
}
