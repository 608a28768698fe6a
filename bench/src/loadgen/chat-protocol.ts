import {
  CLIENT_EVENTS,
  type HandshakeAuth,
  SERVER_EVENTS,
  type SendRequest,
  type SyncRequest,
} from "@chat/shared";
import type { WireProtocol } from "../step.js";
import { clientFrame } from "./wire.js";

/**
 * The little of each wire protocol the load generator speaks, written out by hand so that reading a
 * frame costs a byte comparison. Event names and payloads are typed against shared/, so a protocol
 * change breaks the bench's build too.
 */

export enum FrameKind {
  /** Engine.IO open packet: time to log in. */
  Open,
  /** Engine.IO ping: answer at once or the server drops the connection. */
  Ping,
  /** Logged in: the client counts as connected. */
  Connected,
  Refused,
  /** An event from the server (a chat message, or presence). */
  Event,
  /** The answer to one of our sends. */
  Ack,
  Ignored,
}

export interface ChatProtocol {
  /** The HTTP path of the WebSocket upgrade. */
  path(name: string): string;
  /** Whether the upgrade alone logs the client in. */
  connectedOnUpgrade: boolean;
  kind(data: Buffer, start: number, end: number): FrameKind;
  login(name: string): Buffer;
  pong: Buffer;
  /** The payload of a send (framed by the caller, several per write). */
  send(req: SendRequest, ackId: number): string;
}

const CHAR_0 = 0x30;
const CHAR_2 = 0x32;
const CHAR_3 = 0x33;
const CHAR_4 = 0x34;

const socketIo: ChatProtocol = {
  path: () => "/socket.io/?EIO=4&transport=websocket",
  connectedOnUpgrade: false,
  kind(data, start, end) {
    const engine = data[start];
    if (engine === CHAR_4) {
      const packet = data[start + 1];
      if (packet === CHAR_2) return FrameKind.Event;
      if (packet === CHAR_3) return FrameKind.Ack;
      if (packet === CHAR_0) return FrameKind.Connected;
      if (packet === CHAR_4) return FrameKind.Refused;
      return FrameKind.Ignored;
    }
    if (engine === CHAR_2 && end - start === 1) return FrameKind.Ping;
    if (engine === CHAR_0) return FrameKind.Open;
    return FrameKind.Ignored;
  },
  login: (name) => clientFrame(`40${JSON.stringify({ name } satisfies HandshakeAuth)}`),
  pong: clientFrame("3"),
  send: (req, ackId) => `42${ackId}${JSON.stringify([CLIENT_EVENTS.send, req])}`,
};

/** The raw ws baseline: the name rides in the URL, a send is the request itself, every frame is an event. */
const plainWs: ChatProtocol = {
  path: (name) => `/?name=${encodeURIComponent(name)}`,
  connectedOnUpgrade: true,
  kind: () => FrameKind.Event,
  login: () => Buffer.alloc(0),
  pong: Buffer.alloc(0),
  send: (req) => JSON.stringify(req),
};

export function chatProtocol(protocol: WireProtocol): ChatProtocol {
  return protocol === "ws" ? plainWs : socketIo;
}

/** How this chat server's `session` event starts on the wire: its payload carries the resume token. */
export const SESSION_EVENT_PREFIX = `42${JSON.stringify([SERVER_EVENTS.session]).slice(0, -1)},`;

/** A `sync` (ack id 0) asking for the messages after `after`, as the web client sends after a reconnect. */
export const syncPacket = (after: number | null) =>
  `420${JSON.stringify([CLIENT_EVENTS.sync, { after } satisfies SyncRequest])}`;
