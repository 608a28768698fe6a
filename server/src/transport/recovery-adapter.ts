import type { ServerToClientEvents } from "@chat/shared";
import { Adapter, type BroadcastOptions, SessionAwareAdapter } from "socket.io-adapter";

/** The event that greets every connection with the full online list. */
const ONLINE_LIST = "users" satisfies keyof ServerToClientEvents;

/**
 * Connection state recovery keeps every packet it sends for the recovery window, to replay what a dropped
 * socket missed. The full online list is the one packet not worth keeping: it is never replayed (a
 * recovered socket is greeted afresh, list included), and one kept per connection holds C²/2 names at C
 * users, which at a few thousand users is most of the server's memory.
 */
export class RecoveryAdapter extends SessionAwareAdapter {
  override broadcast(packet: { data?: unknown[] }, opts: BroadcastOptions): void {
    if (packet.data?.[0] === ONLINE_LIST) Adapter.prototype.broadcast.call(this, packet, opts);
    else super.broadcast(packet, opts);
  }
}
