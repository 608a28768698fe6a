import type { SendRequest } from "@chat/shared";
import * as ws from "ws";
import { WebSocket, WebSocketServer } from "ws";

/**
 * Baseline (a), the Node ceiling: a raw `ws` chat. Each message is parsed once, serialized once and framed
 * once; that one frame is written to every other client (group) or to the named one (private).
 */

/**
 * ws builds and writes frames with members its typings leave out; Socket.IO's adapter uses the same two
 * to frame a broadcast once.
 */
interface FrameWriter {
  _sender: { sendFrame(frame: Buffer[], cb?: () => void): void };
}
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

const port = Number(process.env.PORT);
const byName = new Map<string, WebSocket>();
const server = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
let lastId = 0;

server.on("connection", (socket, request) => {
  const name = new URL(request.url ?? "/", "http://localhost").searchParams.get("name") ?? "";
  byName.set(name, socket);
  socket.on("close", () => byName.delete(name));
  socket.on("message", (data) => {
    const req = JSON.parse(data.toString()) as SendRequest;
    // The fields of our messages a reader needs, so the frames weigh about what (c)'s do.
    const { to, text } = req;
    const message = { id: ++lastId, from: name, fromId: name, to, toId: to, text, sentAt: Date.now() };
    const frame = Sender.frame(Buffer.from(JSON.stringify(message)), {
      fin: true,
      opcode: 1,
      mask: false,
      readOnly: false,
      rsv1: false,
    });
    if (req.to !== null) {
      const peer = byName.get(req.to);
      if (peer?.readyState === WebSocket.OPEN) (peer as unknown as FrameWriter)._sender.sendFrame(frame);
      return;
    }
    for (const client of server.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN)
        (client as unknown as FrameWriter)._sender.sendFrame(frame);
    }
  });
});
