import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * A WebSocket client reduced to what the load generator needs, so that receiving stays far cheaper
 * than sending is for the servers under test: no streams, no per-read allocation (`onread` fills one
 * shared buffer, handed over synchronously), no UTF-8 decoding, no events. Frames are handed to the
 * owner as byte ranges of that buffer, valid only during the call.
 */

const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const HEADER_END = Buffer.from("\r\n\r\n");
const SWITCHING = Buffer.from("HTTP/1.1 101");

export interface WireOwner {
  /** The upgrade succeeded. */
  opened(conn: WireConnection): void;
  /** A complete text or binary frame. */
  frame(conn: WireConnection, data: Buffer, start: number, end: number): void;
  /** The connection ended; `expected` when this side closed it. */
  closed(conn: WireConnection, expected: boolean): void;
  /** Called once per read with the bytes about to be parsed, before any `frame` of that read. */
  read(): void;
}

enum State {
  Connecting,
  Upgrading,
  Open,
  Closed,
}

export class WireConnection {
  private readonly socket: Socket;
  private state = State.Connecting;
  /** Bytes of a frame (or upgrade response) that a read cut in two, waiting for the rest. */
  private carry: Buffer | null = null;
  private closing = false;

  constructor(
    port: number,
    path: string,
    private readonly owner: WireOwner,
    /** Free for the owner: which client this is. */
    readonly index: number,
  ) {
    this.socket = connect({
      host: "127.0.0.1",
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => this.onRead(n, buf as Buffer),
      },
    });
    this.socket.on("connect", () => {
      this.state = State.Upgrading;
      const key = randomBytes(16).toString("base64");
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on("error", () => this.socket.destroy());
    this.socket.on("close", () => {
      this.state = State.Closed;
      this.owner.closed(this, this.closing);
    });
  }

  get isOpen(): boolean {
    return this.state === State.Open;
  }

  /** Writes already-framed bytes (see `clientFrame`). */
  write(frames: Buffer): void {
    if (this.state === State.Open) this.socket.write(frames);
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Returns true: keep reading. */
  private onRead(n: number, buf: Buffer): boolean {
    let data = buf;
    let end = n;
    if (this.carry) {
      data = Buffer.concat([this.carry, buf.subarray(0, n)]);
      end = data.length;
      this.carry = null;
    }
    let i = 0;
    if (this.state === State.Upgrading) {
      const headerEnd = data.subarray(0, end).indexOf(HEADER_END);
      if (headerEnd === -1) {
        this.carry = Buffer.from(data.subarray(0, end));
        return true;
      }
      if (!data.subarray(0, SWITCHING.length).equals(SWITCHING)) {
        this.socket.destroy();
        return false;
      }
      this.state = State.Open;
      i = headerEnd + HEADER_END.length;
      this.owner.opened(this);
    }
    this.owner.read();
    i = this.parseFrames(data, i, end);
    // The read buffer is reused by the next read of any connection: keep a copy of the unfinished frame.
    if (i < end) this.carry = Buffer.from(data.subarray(i, end));
    return true;
  }

  /** Hands every complete frame in data[i, end) to the owner; returns where the unfinished part starts. */
  private parseFrames(data: Buffer, from: number, end: number): number {
    let i = from;
    while (end - i >= 2 && this.state === State.Open) {
      const first = data[i] as number;
      const shortLength = (data[i + 1] as number) & 0x7f;
      let length = shortLength;
      let header = 2;
      if (shortLength === 126) {
        if (end - i < 4) break;
        length = data.readUInt16BE(i + 2);
        header = 4;
      } else if (shortLength === 127) {
        if (end - i < 10) break;
        length = data.readUIntBE(i + 4, 6);
        header = 10;
      }
      if (end - i < header + length) break;
      const opcode = first & 0x0f;
      if (opcode === 1 || opcode === 2) this.owner.frame(this, data, i + header, i + header + length);
      else if (opcode === 8) this.socket.destroy();
      i += header + length;
    }
    return i;
  }
}

/**
 * A client-to-server text frame. Clients must mask; a zero mask key is valid and leaves the payload as it
 * is, which saves the load generator the XOR.
 */
export function clientFrame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const length = body.length;
  const header = length < 126 ? 6 : length < 65536 ? 8 : 14;
  const frame = Buffer.alloc(header + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUIntBE(length, 4, 6);
  }
  body.copy(frame, header);
  return frame;
}
