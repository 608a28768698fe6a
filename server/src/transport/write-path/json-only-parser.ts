import { Decoder, Encoder, type Packet, PacketType } from "socket.io-parser";
import { requireInternal } from "../../library-internals.js";
import { answerJson } from "./messages-encoded-once.js";

/** The stock encoder's string encoding, which its typings keep private. */
interface StringEncoding {
  encodeAsString(packet: Packet): string;
}
requireInternal(Encoder.prototype, "encodeAsString", "socket.io-parser");

/**
 * Socket.IO's encoder without its search of every packet for binary attachments: this server sends JSON
 * only (docs/PROTOCOL.md), and that search walked every field of every sync page and broadcast before
 * JSON.stringify walked them again (3.5 % of a reconnect storm's time at 5,000 clients). An answer
 * carrying messages reuses their JSON (see messages-encoded-once.ts). The packets are the stock
 * encoder's, byte for byte; a Buffer handed to emit would go out as the JSON of its bytes.
 */
class JsonOnlyEncoder extends Encoder {
  override encode(packet: Packet): string[] {
    const encoding = this as unknown as StringEncoding;
    const answer = packet.type === PacketType.ACK ? answerJson(packet.data) : null;
    if (answer === null) return [encoding.encodeAsString(packet)];
    return [encoding.encodeAsString({ ...packet, data: undefined }) + answer];
  }
}

/**
 * Socket.IO's decoder, taking no binary attachments: the protocol is JSON only, and the stock one kept up to
 * ten announced attachments (of up to maxHttpBufferSize each) until the last came, which a client could
 * leave for ever. A packet that announces any, or a binary frame, is an error that closes the connection.
 */
class JsonOnlyDecoder extends Decoder {
  constructor() {
    super({ maxAttachments: 0 });
  }
}

export const jsonOnlyParser = { Encoder: JsonOnlyEncoder, Decoder: JsonOnlyDecoder };
