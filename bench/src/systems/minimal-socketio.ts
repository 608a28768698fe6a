import { createServer } from "node:http";
import type { ChatMessage, ClientToServerEvents, HandshakeAuth, ServerToClientEvents } from "@chat/shared";
import { Server } from "socket.io";

/**
 * Baseline (b): the minimal Socket.IO chat that speaks our protocol. No persistence, no sessions, no
 * presence, no validation: a group message is `io.emit` (the sender gets it too), a private one goes to
 * the recipient's room, and the ack echoes the message. It imports only the protocol's types (its event
 * names are checked against them): nothing of ours is loaded at run time, so it measures Socket.IO alone.
 */

const http = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { serveClient: false });
http.listen(Number(process.env.PORT), "127.0.0.1");
let lastId = 0;

io.on("connection", (socket) => {
  const { name } = socket.handshake.auth as { name: string } & HandshakeAuth;
  socket.join(name);
  socket.on("message:send", (req, ack) => {
    // Names stand in for identities here: this chat has no sessions.
    const { to, text, clientId } = req;
    const message: ChatMessage = {
      id: ++lastId,
      from: name,
      fromId: name,
      to,
      toId: to,
      text,
      sentAt: Date.now(),
      clientId,
    };
    (to === null ? io : io.to(to)).emit("message", message);
    ack({ ok: true, message });
  });
});
