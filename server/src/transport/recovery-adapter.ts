import type { ServerToClientEvents } from "@chat/shared";
import { Adapter, type BroadcastOptions, SessionAwareAdapter } from "socket.io-adapter";

/** The online list and its deltas: a recovered socket is sent the list afresh (see PresenceRounds). */
const PRESENCE_EVENTS: ReadonlySet<unknown> = new Set<keyof ServerToClientEvents>([
  "users",
  "user:joined",
  "user:left",
]);

/**
 * Connection state recovery keeps every packet it sends for the recovery window, to replay what a dropped
 * socket missed. Presence is not worth keeping: a recovered socket is greeted with the online list as it
 * is then, which already holds every change it missed. One full list kept per connection would hold C²/2
 * names at C users, most of the server's memory at a few thousand users; and every join and leave kept
 * for the window is another packet per change, which a reconnect storm multiplies.
 */
export class RecoveryAdapter extends SessionAwareAdapter {
  override broadcast(packet: { data?: unknown[] }, opts: BroadcastOptions): void {
    if (PRESENCE_EVENTS.has(packet.data?.[0])) Adapter.prototype.broadcast.call(this, packet, opts);
    else super.broadcast(packet, opts);
  }
}
