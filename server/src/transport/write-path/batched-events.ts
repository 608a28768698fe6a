import type { ServerEvent } from "@chat/shared";
import { Encoder, PacketType } from "socket.io-parser";
import type { ChatIo, ChatSocket } from "../types.js";
import type { EngineConnection } from "./engine-internals.js";
import { messageFrame } from "./ws-frames.js";

const encoder = new Encoder();

/**
 * Sends the same events, in order, to every socket of this process in `room`, as one Engine.IO packet per
 * WebSocket: its pre-built payload is the events' WebSocket frames back to back, so the client reads the
 * usual one frame per event while the server does the per-socket work of a packet (queueing, flushing,
 * callbacks) once per batch instead of once per event. Encoded and framed once for all sockets. Sockets
 * still on long-polling get the events one by one, as any emit.
 */
export function emitBatchLocally(io: ChatIo, room: string, events: ServerEvent[]): void {
  if (events.length === 0) return;
  const encoded = events.map(([event, payload]) => encodeEvent(event, payload));
  const frames = Buffer.concat(encoded.map(messageFrame));
  const nsp = io.of("/");
  const polling: string[] = [];
  for (const id of nsp.adapter.rooms.get(room) ?? []) {
    const socket: ChatSocket | undefined = nsp.sockets.get(id);
    if (!socket) continue;
    const connection = socket.conn as unknown as EngineConnection;
    if (connection.transport.name === "websocket") {
      connection.write(encoded[0] as string, { wsPreEncodedFrame: [frames] });
    } else {
      polling.push(id);
    }
  }
  // One encoding for all of them, and local: these sockets are this process's, whatever the adapter is.
  if (polling.length > 0)
    // (TypeScript cannot pair a union of events with its payloads in one call: each pair is from ServerEvent.)
    for (const [event, payload] of events) io.local.to(polling).emit(event, payload as never);
}

function encodeEvent(event: string, payload: object): string {
  const [packet] = encoder.encode({ type: PacketType.EVENT, nsp: "/", data: [event, payload] });
  return packet as string;
}
