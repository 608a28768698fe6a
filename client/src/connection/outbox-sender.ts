import { type ChatMessage, CLIENT_EVENTS, type UserSummary, worthRetrying } from "@chat/shared";
import { useAnnouncer } from "../stores/announcer";
import { type OutgoingMessage, useOutbox } from "../stores/outbox";
import { usePresence } from "../stores/presence";
import { waitOut } from "./retry";
import { ask, type ChatSocket } from "./socket";

/**
 * How long a private message waits for its peer to be listed again, counted from when it was first
 * found waiting, before it fails: long enough for everyone to come back after a server restart. A later
 * holder of the name never gets it (the send names the peer's id), but the writer should not think it
 * on its way for longer than this.
 */
const PEER_WAIT_MS = 30_000;

/** Sends of one message left unanswered on a connection that looked up, each on a new one, before it fails. */
const UNANSWERED_TRIES = 3;

/**
 * Sends the outbox one message at a time, oldest first, each after the previous one's answer. The server
 * numbers messages in the order they arrive, so two in flight at once could swap: one refused as too fast
 * and sent again after the next one was taken, or each waiting out its own refusal's timer. A private
 * message waits while its peer is not in the online list (after a server restart, others come back one
 * by one), for PEER_WAIT_MS at most, and fails when the peer leaves the chat, or when the server finds
 * the name held by someone else (USER_OFFLINE).
 */
export class OutboxSender {
  private readonly outbox = useOutbox();
  private readonly presence = usePresence();
  private readonly announcer = useAnnouncer();
  private sending = false;
  /** This connection's online list has arrived: until then the list is the last connection's. */
  private listed = false;
  /** Private messages waiting for their peer to be listed, by clientId: since when. */
  private readonly waitingSince = new Map<string, number>();
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** Messages sent without an answer while the connection looked up, by clientId: how many times. */
  private readonly unansweredTries = new Map<string, number>();

  constructor(
    private readonly socket: ChatSocket,
    private readonly acknowledged: (message: ChatMessage) => void,
  ) {}

  /** The connection's online list arrived (the second event of every connection): sending may start. */
  listArrived(): void {
    this.listed = true;
    void this.drain();
  }

  disconnected(): void {
    this.listed = false;
  }

  /** Sends what may go now, in order; a call while sending is already covered by the running one. */
  async drain(): Promise<void> {
    if (this.sending || !this.listed) return;
    this.sending = true;
    try {
      for (let entry = this.next(); entry && this.listed; entry = this.next()) {
        await this.deliver(entry);
      }
      if (this.listed) this.expireWaits();
    } finally {
      this.sending = false;
    }
  }

  /** The peer left the chat (their grace window ended, or they logged out): what waits for them fails. */
  peerLeft(user: UserSummary): void {
    for (const entry of this.outbox.entries) {
      if (entry.state === "queued" && entry.to?.id === user.id) {
        this.fail(entry.clientId, `${user.name} has left the chat.`);
      }
    }
  }

  /**
   * Fails what waited too long for its peer, or waits for one whose name someone else holds now, and wakes
   * up for the next one that will have waited too long.
   */
  private expireWaits(): void {
    const now = Date.now();
    const waiting = new Map<string, number>();
    for (const { clientId, state, to } of this.outbox.entries) {
      if (state !== "queued" || to === null || this.canReach(to)) continue;
      if (this.presence.statusOf(to) === "replaced") {
        // As the server would refuse it: the message is for that person, never the name's next holder.
        this.fail(clientId, `${to.name} has left the chat; someone else uses the name now.`);
        continue;
      }
      const since = this.waitingSince.get(clientId) ?? now;
      if (now - since < PEER_WAIT_MS) waiting.set(clientId, since);
      else this.fail(clientId, `${to.name} is not online.`);
    }
    this.waitingSince.clear();
    for (const [clientId, since] of waiting) this.waitingSince.set(clientId, since);
    clearTimeout(this.waitTimer);
    if (waiting.size === 0) return;
    const first = Math.min(...waiting.values());
    this.waitTimer = setTimeout(() => void this.drain(), first + PEER_WAIT_MS - now);
  }

  /**
   * No answer. If the link dropped, the next connection sends it again under the same clientId (stored at
   * most once). If it still looks up, it may have stalled without closing, as mobile networks do, which
   * Socket.IO's heartbeat notices only after 45 s: the connection is opened again, and its catch-up brings
   * the message back if the server stored it, or it goes out again. Only when that fails too is the user
   * asked, as the server itself is not answering.
   */
  private unanswered(clientId: string): void {
    const tries = (this.unansweredTries.get(clientId) ?? 0) + 1;
    if (!this.socket.connected) {
      this.outbox.setState(clientId, "queued");
    } else if (tries >= UNANSWERED_TRIES) {
      this.unansweredTries.delete(clientId);
      this.fail(clientId, "The server did not answer.");
    } else {
      this.unansweredTries.set(clientId, tries);
      this.outbox.setState(clientId, "queued");
      // Not sent again on this connection, which the next one replaces. Its transport, closed at once:
      // closing the engine would first wait for what it is still sending, which a stalled link never takes.
      this.disconnected();
      this.socket.io.engine.transport.close();
    }
  }

  /** For the user to retry or discard: said in the list, and to a screen reader. */
  private fail(clientId: string, why: string): void {
    this.outbox.setState(clientId, "failed", why);
    const entry = this.outbox.find(clientId);
    if (entry) this.announcer.notSent(entry);
  }

  private next(): OutgoingMessage | undefined {
    return this.outbox.entries.find(
      (entry) => entry.state === "queued" && (entry.to === null || this.canReach(entry.to)),
    );
  }

  /** Listed, connected or not: the server takes the message, and it waits for them if they are away. */
  private canReach(peer: UserSummary): boolean {
    const status = this.presence.statusOf(peer);
    return status === "here" || status === "away";
  }

  private async deliver(entry: OutgoingMessage): Promise<void> {
    const { clientId } = entry;
    this.outbox.setState(clientId, "sending");
    const res = await ask(this.socket, CLIENT_EVENTS.send, {
      to: entry.to?.name ?? null,
      toId: entry.to?.id,
      text: entry.text,
      clientId,
    }).catch(() => null);
    if (res) this.unansweredTries.delete(clientId);
    if (res?.ok) return this.acknowledged(res.message);
    if (!res) return this.unanswered(clientId);
    if (!worthRetrying(res.error)) return this.fail(clientId, res.error.message);
    // Too fast, or the server's store is away for a moment: it waits, still first in line, and goes out
    // again when it may.
    this.outbox.setState(clientId, "queued");
    await waitOut(res.error);
  }
}
