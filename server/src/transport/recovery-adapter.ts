import type { ServerToClientEvents } from "@chat/shared";
import {
  Adapter,
  type BroadcastOptions,
  type PrivateSessionId,
  type Session,
  SessionAwareAdapter,
} from "socket.io-adapter";

/**
 * What every connection is greeted with, recovered ones too (see onConnection and PresenceRounds): the
 * session, the online list as it is then, and the deltas that such a list supersedes.
 */
const GREETING_EVENTS: ReadonlySet<unknown> = new Set<keyof ServerToClientEvents>([
  "session",
  "users",
  "user:joined",
  "user:left",
]);

/**
 * Connection state recovery keeps every packet it sends for the recovery window, to replay what a dropped
 * socket missed. The greeting is not worth keeping: a recovered socket is greeted afresh, and what it
 * missed of presence is already in the new list. Kept, it would cost one `session` (with its token) per
 * connection and one full list per connection, C²/2 names at C users, most of the server's memory at a
 * few thousand; and every join and leave of a reconnect storm, each with its room sets, for the window.
 */
export class RecoveryAdapter extends SessionAwareAdapter {
  /**
   * Socket.IO's in-memory adapter keeps a session after restoring it, so the ids of one drop could
   * restore it again, into a second socket with the same id: one that presence no longer counts once
   * the first is gone, and that could go on sending after the name passed to someone else. Consumed on
   * restore, as the Redis Streams adapter does (GETDEL).
   */
  override async restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
    const session = await super.restoreSession(pid, offset);
    (this as unknown as { sessions: Map<PrivateSessionId, unknown> }).sessions.delete(pid);
    return session;
  }

  override broadcast(packet: { data?: unknown[] }, opts: BroadcastOptions): void {
    if (GREETING_EVENTS.has(packet.data?.[0])) Adapter.prototype.broadcast.call(this, packet, opts);
    else super.broadcast(packet, opts);
  }
}
