import { parseHistoryRequest, parseSendRequest, parseSyncRequest } from "@chat/shared";
import type { Logger } from "pino";
import type { Messages } from "../messages/messages.js";
import { acknowledged } from "./acks.js";
import type { ChatSocket } from "./types.js";

export function registerMessageHandlers(socket: ChatSocket, messages: Messages, log: Logger): void {
  const { user } = socket.data;

  socket.on(
    "message:send",
    acknowledged(log, "message:send", async (payload) => {
      const req = parseSendRequest(payload);
      if (!req.ok) return req;
      const sent = await messages.send(user, socket.id, req.value);
      return sent.ok ? { ok: true, message: sent.value } : sent;
    }),
  );

  socket.on(
    "history:get",
    acknowledged(log, "history:get", async (payload) => {
      const req = parseHistoryRequest(payload);
      if (!req.ok) return req;
      return { ok: true, messages: await messages.history(user, req.value) };
    }),
  );

  socket.on(
    "sync",
    acknowledged(log, "sync", async (payload) => {
      const req = parseSyncRequest(payload);
      if (!req.ok) return req;
      return { ok: true, ...(await messages.sync(user, req.value)) };
    }),
  );
}
