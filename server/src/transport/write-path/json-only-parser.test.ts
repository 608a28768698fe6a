import { Encoder, type Packet, PacketType } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { jsonOnlyParser } from "./json-only-parser.js";

describe("jsonOnlyParser", () => {
  it("encodes every packet the server sends as the stock encoder does", () => {
    const message = { id: 7, from: "ann", text: 'quotes " and \u2028 and émoji 🎉', to: null };
    const packets: Packet[] = [
      { type: PacketType.CONNECT, nsp: "/", data: { sid: "s1", pid: "p1" } },
      { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "SESSION_EXPIRED", data: { code: 1 } } },
      { type: PacketType.EVENT, nsp: "/", data: ["message", message, "offset-1"] },
      {
        type: PacketType.ACK,
        nsp: "/",
        id: 42,
        data: [{ ok: true, messages: [message, message], more: false }],
      },
      { type: PacketType.DISCONNECT, nsp: "/" },
    ];
    const ours = new jsonOnlyParser.Encoder();
    const stock = new Encoder();
    for (const packet of packets) expect(ours.encode(packet)).toEqual(stock.encode(packet));
  });
});
