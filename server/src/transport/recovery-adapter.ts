import { SERVER_EVENTS, type ServerEventName } from "@chat/shared";
import { type Namespace, Socket } from "socket.io";
import {
  Adapter,
  type BroadcastOptions,
  type PrivateSessionId,
  type Session,
  SessionAwareAdapter,
} from "socket.io-adapter";
import { PacketType } from "socket.io-parser";
import { requireInternal } from "../library-internals.js";
import type { User } from "../users.js";
import type { ChatSocket, SocketData } from "./types.js";

/**
 * What every connection is greeted with, recovered ones too (see onConnection and PresenceRounds): the
 * session, the online list as it is then, and the deltas that such a list supersedes.
 */
export const GREETING_EVENTS: ReadonlySet<unknown> = new Set<ServerEventName>([
  SERVER_EVENTS.session,
  SERVER_EVENTS.users,
  SERVER_EVENTS.usersSince,
  SERVER_EVENTS.joined,
  SERVER_EVENTS.left,
  SERVER_EVENTS.away,
  SERVER_EVENTS.back,
]);

/** What each restored session missed, by the session's data object, which becomes its socket's data. */
const withheld = new WeakMap<object, unknown[][]>();

/** What the handshake uses of Socket.IO's Socket, whose typings keep it private. */
interface PacketSender {
  packet(packet: { type: PacketType; data: unknown[] }): void;
}
requireInternal(Socket.prototype, "packet", "socket.io");

/** Sends a recovered socket what it missed if `proven` is the identity it had; otherwise drops it. */
export function releaseMissedPackets(socket: ChatSocket, proven: User): void {
  const missed = withheld.get(socket.data);
  if (!missed) return;
  withheld.delete(socket.data);
  if (socket.data.user.id !== proven.id) return;
  for (const data of missed) (socket as unknown as PacketSender).packet({ type: PacketType.EVENT, data });
}

/** The in-memory adapter with connection state recovery from the latest `keptPackets` (see RecoveryAdapter). */
export function recoveryAdapter(keptPackets: number): (nsp: Namespace) => Adapter {
  // A function, not an arrow: Socket.IO calls its adapter option with `new`.
  return function keptPacketsAdapter(nsp) {
    return new RecoveryAdapter(nsp, keptPackets);
  };
}

/**
 * Connection state recovery keeps every packet it sends for the recovery window, to replay what a dropped
 * socket missed. The greeting is not worth keeping: a recovered socket is greeted afresh, and what it
 * missed of presence is already in the new list. Kept, it would cost one `session` (with its token) per
 * connection and one full list per connection, C²/2 names at C users, most of the server's memory at a
 * few thousand; and every join and leave of a reconnect storm, each with its room sets, for the window.
 *
 * Nor does it replay from further back than the latest `keptPackets`, and it holds at most twice that.
 * Socket.IO trims its packets by age once a minute only, so a busy server held up to two windows of every
 * message it sent: a list that grows with the load, which every restore searches from its oldest end. A
 * socket whose offset is older is not recovered: it catches up by `sync`, as after any longer absence.
 */
export class RecoveryAdapter extends SessionAwareAdapter {
  constructor(
    nsp: Namespace,
    private readonly keptPackets: number,
  ) {
    super(nsp);
    requireInternal(this, "sessions", "socket.io-adapter");
    requireInternal(this, "packets", "socket.io-adapter");
  }

  /**
   * Two changes to Socket.IO's restore:
   * - The session is consumed, as the Redis Streams adapter does (GETDEL). Socket.IO's in-memory adapter
   *   keeps it, so the ids of one drop could restore it again, into a second socket with the same id:
   *   one that presence no longer counts once the first is gone, and that could go on sending after the
   *   name passed to someone else.
   * - What the socket missed is held back. Socket.IO replays it while it creates the socket, before the
   *   handshake middleware: a client presenting another user's recovery ids with its own token, or with
   *   an ended one, was sent that user's messages before anything checked who it was. The handshake
   *   sends them once the token proved the identity the socket had (releaseMissedPackets), still before
   *   the client hears it is connected, and within the same turn of the event loop.
   */
  override async restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
    // Exactly the latest `keptPackets` count (broadcast trims them less often).
    this.keepLatestPackets();
    const session = await super.restoreSession(pid, offset);
    (this as unknown as { sessions: Map<PrivateSessionId, unknown> }).sessions.delete(pid);
    if (!session) return session;
    // socket.data is always an object (ours is SocketData); the socket gets this very one back.
    withheld.set(session.data as SocketData, session.missedPackets);
    return { ...session, missedPackets: [] };
  }

  override broadcast(packet: { data?: unknown[] }, opts: BroadcastOptions): void {
    if (GREETING_EVENTS.has(packet.data?.[0])) {
      Adapter.prototype.broadcast.call(this, packet, opts);
      return;
    }
    super.broadcast(packet, opts);
    // Once it holds twice the bound, so that moving the rest down is paid once per `keptPackets` broadcasts.
    if (this.replayable.length >= 2 * this.keptPackets) this.keepLatestPackets();
  }

  /** Socket.IO's kept packets, oldest first, which its typings keep private. */
  private get replayable(): unknown[] {
    return (this as unknown as { packets: unknown[] }).packets;
  }

  private keepLatestPackets(): void {
    const excess = this.replayable.length - this.keptPackets;
    if (excess > 0) this.replayable.splice(0, excess);
  }
}
