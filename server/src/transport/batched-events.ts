import type { ServerToClientEvents } from "@chat/shared";
import { Encoder, PacketType } from "socket.io-parser";
import type { ChatIo, ChatSocket } from "./types.js";

type Event = [event: keyof ServerToClientEvents, payload: object];

const encoder = new Encoder();
/** Engine.IO's "message" packet type, which carries a Socket.IO packet. */
const ENGINE_MESSAGE = "4";

/**
 * Sends the same events, in order, to every socket of this process in `room`, as one Engine.IO packet per
 * WebSocket: its pre-built payload is the events' WebSocket frames back to back, so the client reads the
 * usual one frame per event while the server does the per-socket work of a packet (queueing, flushing,
 * callbacks) once per batch instead of once per event. Encoded and framed once for all sockets. Sockets
 * still on long-polling get the events one by one, as any emit.
 */
export function emitBatchLocally(io: ChatIo, room: string, events: Event[]): void {
  if (events.length === 0) return;
  const encoded = events.map(([event, payload]) => encodeEvent(event, payload));
  const frames = Buffer.concat(encoded.map(textFrame));
  const nsp = io.of("/");
  for (const id of nsp.adapter.rooms.get(room) ?? []) {
    const socket: ChatSocket | undefined = nsp.sockets.get(id);
    if (!socket) continue;
    const connection = socket.conn as unknown as EngineConnection;
    if (connection.transport.name === "websocket") {
      connection.write(encoded[0] as string, { wsPreEncodedFrame: [frames] });
    } else {
      for (const [event, payload] of events) socket.emit(event, payload as never);
    }
  }
}

/** What this needs of an Engine.IO connection, whose typings leave the pre-built frame option out. */
interface EngineConnection {
  transport: { name: string };
  write(data: string, options: { wsPreEncodedFrame: Buffer[] }): void;
}

function encodeEvent(event: string, payload: object): string {
  const [packet] = encoder.encode({ type: PacketType.EVENT, nsp: "/", data: [event, payload] });
  return packet as string;
}

/** A final, unmasked WebSocket text frame from server to client (RFC 6455, section 5.2). */
function textFrame(socketIoPacket: string): Buffer {
  const payload = Buffer.from(ENGINE_MESSAGE + socketIoPacket);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, length])
      : length < 65_536
        ? Buffer.from([0x81, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), bigEndian64(length)]);
  return Buffer.concat([header, payload]);
}

function bigEndian64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}
