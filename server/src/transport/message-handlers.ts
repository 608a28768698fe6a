import type { RequestParsers } from "../limits/content-limits.js";
import type { RequestThrottles } from "../limits/request-limits.js";
import type { Messages } from "../messages/messages.js";
import { type AckContext, acknowledged } from "./acks.js";
import type { ChatSocket } from "./types.js";

export interface MessageHandlerDeps extends AckContext {
  messages: Messages;
  parsers: RequestParsers;
  throttles: RequestThrottles;
}

export function registerMessageHandlers(socket: ChatSocket, deps: MessageHandlerDeps): void {
  const { messages, parsers, throttles } = deps;
  const { user } = socket.data;
  // Limits are per identity: every tab of a user draws on the same budget.
  const sendBudget = () => throttles.messages(user.id);
  const readBudget = () => throttles.reads(user.id);
  socket.on(
    "message:send",
    acknowledged(deps, "message:send", sendBudget, async (payload) => {
      const req = parsers.send(payload);
      if (!req.ok) return req;
      const sent = await messages.send(user, socket.id, req.value);
      return sent.ok ? { ok: true, message: sent.value } : sent;
    }),
  );
  socket.on(
    "history:get",
    acknowledged(deps, "history:get", readBudget, async (payload) => {
      const req = parsers.history(payload);
      if (!req.ok) return req;
      return { ok: true, messages: await messages.history(user, req.value) };
    }),
  );
  socket.on(
    "sync",
    acknowledged(deps, "sync", readBudget, async (payload) => {
      const req = parsers.sync(payload);
      if (!req.ok) return req;
      return { ok: true, ...(await messages.sync(user, req.value)) };
    }),
  );
}
