import type { Namespace } from "socket.io";
import type { Adapter } from "socket.io-adapter";
import { PacketType } from "socket.io-parser";
import type { User } from "../users.js";
import type { AdapterFactory } from "./io.js";
import type { ChatSocket } from "./types.js";

/** What each restored session missed, by the session's data object, which becomes its socket's. */
const withheld = new WeakMap<object, unknown[][]>();

/**
 * Socket.IO replays what a recovered socket missed while it creates the socket, before the handshake
 * middleware runs: a client presenting another user's recovery ids with its own token, or with an ended
 * one, was sent that user's messages before anything checked who it was. An adapter wrapped in this
 * hands Socket.IO the session without them, and the handshake sends them once the token proved the
 * identity the socket had (releaseMissedPackets), still before the client hears it is connected.
 *
 * What is broadcast between the restore and the connection does not reach the socket, as without this:
 * in one process that is nothing (the handshake's work completes within one turn of the event loop);
 * across processes, the handshake's Redis round trips leave a few milliseconds.
 */
export function withholdReplay(Base: AdapterFactory): (nsp: Namespace) => Adapter {
  // Called with `new`, like any adapter option (see singleBufferFrames).
  const Adapter = Base as new (nsp: Namespace) => Adapter;
  return function withholdingAdapter(nsp) {
    const adapter = new Adapter(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!session) return session;
      if (typeof session.data === "object" && session.data !== null) {
        withheld.set(session.data, session.missedPackets);
      }
      return { ...session, missedPackets: [] };
    };
    return adapter;
  };
}

/** What the handshake uses of Socket.IO's Socket, whose typings keep it private. */
interface PacketSender {
  packet(packet: { type: PacketType; data: unknown[] }): void;
}

/** Sends a recovered socket what it missed if `proven` is the identity it had; otherwise drops it. */
export function releaseMissedPackets(socket: ChatSocket, proven: User): void {
  const missed = withheld.get(socket.data);
  if (!missed) return;
  withheld.delete(socket.data);
  if (socket.data.user.id !== proven.id) return;
  for (const data of missed) (socket as unknown as PacketSender).packet({ type: PacketType.EVENT, data });
}
