import { type ChatMessage, CLIENT_EVENTS, SERVER_EVENTS, type SendRequest, SYNC_OVERLAP } from "@chat/shared";
import type { ChatUser } from "../../server/src/test-support/chat-client.js";

const ACK_TIMEOUT_MS = 3000;
const MAX_ATTEMPTS = 50;

/** Wakes whoever waits for a condition on the clients' state, each time that state changes. */
export class Progress {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }
}

/**
 * What a correct client does around network drops, on top of a plain ChatUser (which records every
 * `message` event, undeduplicated, in `user.messages`):
 * - an outbox: a send whose ack is lost (timeout or disconnect) is resent with the same clientId once
 *   connected again, until acknowledged; the server dedupes by identity + clientId;
 * - a catch-up: after a reconnect that connection state recovery did not restore, `sync` from the newest
 *   id this client is sure it has, page by page, merging the results by id.
 * The watermark `sync` starts from only advances while the client is caught up: after an interrupted
 * sync, live messages on the new connection are newer than the gap that still has to be fetched.
 */
export class ResilientUser {
  /** Others' messages (and mine from other connections) as this client merges them: pushes and sync, by id. */
  readonly known = new Map<number, ChatMessage>();
  /** My own messages, by clientId, from their acks. */
  readonly acked = new Map<string, ChatMessage>();
  readonly refusals: string[] = [];
  readonly failures: string[] = [];
  reconnects = 0;
  recovered = 0;
  syncPages = 0;
  resends = 0;
  /** Replayed packets discarded from socket.io-client's receive buffer (see the `disconnect` listener). */
  staleDropped = 0;
  private watermark: number | null = null;
  private behind = false;
  private connection = 0;

  constructor(
    readonly user: ChatUser,
    private readonly progress: Progress,
  ) {
    const { socket } = user;
    // Listeners once, outside `connect`: registered in it, each reconnect would add another copy of each.
    socket.on("connect", () => {
      this.connection++;
      this.reconnects++;
      if (socket.recovered) this.recovered++;
      else this.behind = true;
      // Also after a recovered reconnect, if the previous catch-up never finished.
      if (this.behind) void this.catchUp(this.connection);
    });
    socket.on(SERVER_EVENTS.message, (message) => this.merge([message]));
    socket.on("disconnect", () => {
      // A socket.io-client bug (4.8.4, the latest): the server replays missed packets before its CONNECT
      // (and before our auth middleware has run); if the connection drops in between, the client keeps
      // them in `receiveBuffer` and emits them at the next connect, next to that recovery's fresh replay
      // of the same packets, so every replayed message would arrive twice. A real client needs this too.
      // Dropping them loses nothing: never emitted, they never moved the recovery offset, so the next
      // recovery replays them again (or `sync` fetches them).
      this.staleDropped += socket.receiveBuffer.length;
      socket.receiveBuffer = [];
    });
    socket.on("connect_error", (err: Error & { data?: unknown }) => {
      // Transport errors are what a drop looks like; a refusal with data means the session was lost.
      if (err.data) this.refusals.push(err.message);
    });
  }

  get name(): string {
    return this.user.name;
  }

  /** Connected, and nothing missed during an earlier drop is still to be fetched. */
  get caughtUp(): boolean {
    return this.user.socket.connected && !this.behind;
  }

  /** Sends the outbox with `lanes` sends in flight; resolves when every one was answered. */
  async sendAll(outbox: SendRequest[], lanes: number): Promise<void> {
    const queue = [...outbox];
    const lane = async () => {
      for (let req = queue.shift(); req; req = queue.shift()) await this.deliver(req);
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  private async deliver(req: SendRequest): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) this.resends++;
      await this.connected();
      const ack = await this.user.socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(CLIENT_EVENTS.send, req)
        .catch(() => null);
      // Cut before the answer came back: the same clientId again.
      if (!ack) continue;
      if (ack.ok) this.acked.set(req.clientId, ack.message);
      else this.failures.push(`${this.name} ${req.clientId}: ${ack.error.code}`);
      this.progress.notify();
      return;
    }
    this.failures.push(`${this.name} ${req.clientId}: no ack in ${MAX_ATTEMPTS} attempts`);
  }

  private connected(): Promise<void> {
    const { socket } = this.user;
    if (socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off("connect", onConnect);
        reject(new Error(`${this.name} did not reconnect within 10 s`));
      }, 10_000);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.once("connect", onConnect);
    });
  }

  private async catchUp(connection: number): Promise<void> {
    let after = this.watermark === null ? null : Math.max(0, this.watermark - SYNC_OVERLAP);
    for (let page = 0; page < 100; page++) {
      const res = await this.user.socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(CLIENT_EVENTS.sync, { after })
        .catch(() => null);
      // Cut again: the next connection's catch-up starts over from the same watermark.
      if (!res || connection !== this.connection) return;
      if (!res.ok) {
        this.failures.push(`${this.name} sync: ${res.error.code}`);
        return;
      }
      this.syncPages++;
      this.merge(res.messages);
      if (!res.more) {
        // Everything up to the sync's read is here, and everything since came live on this connection.
        this.behind = false;
        this.watermark = Math.max(this.watermark ?? 0, ...this.known.keys());
        this.progress.notify();
        return;
      }
      after = res.messages.at(-1)?.id ?? after;
    }
    this.failures.push(`${this.name} sync: more than 100 pages`);
  }

  private merge(messages: ChatMessage[]): void {
    for (const message of messages) {
      this.known.set(message.id, message);
      if (!this.behind) this.watermark = Math.max(this.watermark ?? 0, message.id);
    }
    this.progress.notify();
  }

  /** Whether `message` belongs in this user's view: the group, or a private message to or from them. */
  sees(message: ChatMessage): boolean {
    return message.to === null || message.to === this.name || message.from === this.name;
  }

  /** The conversation a message belongs to, as this user sees it. */
  conversationOf(message: ChatMessage): string {
    if (message.to === null) return "group";
    return message.from === this.name ? message.to : message.from;
  }

  /** This user's final view: merged pushes and sync, plus own messages from their acks. */
  view(): ChatMessage[] {
    const all = new Map(this.known);
    for (const message of this.acked.values()) all.set(message.id, message);
    return [...all.values()].sort((a, b) => a.id - b.id);
  }
}
