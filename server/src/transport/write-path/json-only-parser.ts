import { Decoder, Encoder, type Packet } from "socket.io-parser";

/** The stock encoder's string encoding, which its typings keep private. */
interface StringEncoding {
  encodeAsString(packet: Packet): string;
}

/**
 * Socket.IO's encoder without its search of every packet for binary attachments: this server sends JSON
 * only (docs/PROTOCOL.md), and that search walked every field of every sync page and broadcast before
 * JSON.stringify walked them again (3.5 % of a reconnect storm's time at 5,000 clients). The packets are
 * the stock encoder's, byte for byte; a Buffer handed to emit would go out as the JSON of its bytes.
 */
class JsonOnlyEncoder extends Encoder {
  override encode(packet: Packet): string[] {
    return [(this as unknown as StringEncoding).encodeAsString(packet)];
  }
}

export const jsonOnlyParser = { Encoder: JsonOnlyEncoder, Decoder };
