import { type ChatMessage, SERVER_EVENTS, type ServerEvent } from "@chat/shared";
import { PacketType } from "socket.io-parser";
import type { Delivery } from "../messages/messages.js";
import type { ChatMetrics } from "../observability/metrics.js";
import { userRoom } from "../users.js";
import type { ChatIo } from "./types.js";

/** How messages reach their readers: everyone, or the rooms of a private message's two parties. */
export function messageDelivery(io: ChatIo, metrics: ChatMetrics): Delivery {
  return {
    toEveryone: (message, exceptSocketId) => {
      metrics.messageSent("group");
      return broadcastMessage(io, [], exceptSocketId, message);
    },
    toUsers: (ids, message, exceptSocketId) => {
      metrics.messageSent("private");
      return broadcastMessage(io, ids.map(userRoom), exceptSocketId, message);
    },
    typing: (to, typist) => io.to(userRoom(to.id)).volatile.emit(SERVER_EVENTS.typing, typist),
  };
}

/**
 * What `io.to(rooms).except(id).emit("message", m)` does, but with the adapter's promise kept: a
 * cluster adapter resolves it once the packet is published to the other nodes (the in-memory one at once).
 */
async function broadcastMessage(
  io: ChatIo,
  rooms: string[],
  except: string,
  message: ChatMessage,
): Promise<void> {
  const packet = { type: PacketType.EVENT, data: [SERVER_EVENTS.message, message] satisfies ServerEvent };
  await io.of("/").adapter.broadcast(packet, { rooms: new Set(rooms), except: new Set([except]) });
}
