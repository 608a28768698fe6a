import { Encoder, type Packet, PacketType } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { jsonOnlyParser } from "./json-only-parser.js";
import { withMessagesEncodedOnce } from "./messages-encoded-once.js";

const message = {
  id: 7,
  from: "ann",
  fromId: "a1",
  to: null,
  toId: null,
  text: 'quotes " and \u2028 and émoji 🎉 and </script>',
  sentAt: 1_700_000_000_000,
  clientId: "c1",
};
const other = { ...message, id: 8, to: "bob", toId: "b1", text: "\u0000 and \\ and 𝄞" };

const ack = (id: number, answer: object): Packet => ({ type: PacketType.ACK, nsp: "/", id, data: [answer] });

describe("jsonOnlyParser", () => {
  it("encodes every packet the server sends as the stock encoder does", () => {
    const packets: Packet[] = [
      { type: PacketType.CONNECT, nsp: "/", data: { sid: "s1", pid: "p1" } },
      { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "SESSION_EXPIRED", data: { code: 1 } } },
      { type: PacketType.EVENT, nsp: "/", data: ["message", message, "offset-1"] },
      ack(42, { ok: true, messages: [message, message], more: false }),
      { type: PacketType.DISCONNECT, nsp: "/" },
    ];
    const ours = new jsonOnlyParser.Encoder();
    const stock = new Encoder();
    for (const packet of packets) expect(ours.encode(packet)).toEqual(stock.encode(packet));
  });

  it("encodes answers whose messages are encoded once as the stock encoder does, each time", () => {
    const ours = new jsonOnlyParser.Encoder();
    const stock = new Encoder();
    const answers = [
      { ok: true, messages: [message, other, message], more: true },
      { ok: true, messages: [], more: false },
      { ok: true, left: undefined, messages: [other, message], nested: { a: [1, "x"] } },
      { ok: true, messages: [message] },
    ];
    // Twice: the second time, every message's JSON is the one kept from the first.
    for (const round of [1, 2])
      for (const answer of answers) {
        const packet = ack(round * 100, withMessagesEncodedOnce(answer));
        expect(ours.encode(packet)).toEqual(stock.encode(packet));
      }
  });
});
