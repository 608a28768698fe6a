/** Engine.IO's "message" packet type, which carries a Socket.IO packet. */
const ENGINE_MESSAGE = "4";

/**
 * The final, unmasked WebSocket text frame from server to client (RFC 6455, section 5.2) that carries one
 * encoded Socket.IO packet as an Engine.IO message: the bytes Engine.IO and ws would write for it.
 */
export function messageFrame(socketIoPacket: string): Buffer {
  const payloadLength = Buffer.byteLength(socketIoPacket) + ENGINE_MESSAGE.length;
  const headerLength = payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + payloadLength);
  frame[0] = 0x81;
  if (headerLength === 2) frame[1] = payloadLength;
  else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadLength, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(payloadLength), 2);
  }
  frame.write(ENGINE_MESSAGE, headerLength, "latin1");
  frame.write(socketIoPacket, headerLength + 1, "utf8");
  return frame;
}
