import {
  type ChatMessage,
  CLIENT_EVENTS,
  type HistoryAck,
  LIMITS,
  type RequestEventName,
  type RequestParsers,
  type SyncAck,
  type TypingAck,
} from "@chat/shared";
import { OneAtATime } from "../limits/one-at-a-time.js";
import type { RequestThrottles } from "../limits/request-limits.js";
import type { Messages } from "../messages/messages.js";
import { type AckContext, acknowledged, type SharedListener } from "./acks.js";
import type { ChatSocket } from "./types.js";
import { withMessagesEncodedOnce } from "./write-path/messages-encoded-once.js";

export interface MessageHandlerDeps extends AckContext {
  messages: Messages;
  parsers: RequestParsers;
  throttles: RequestThrottles;
}

/** Reads of one identity that may wait behind its running one: a reconnect asks for a page per window. */
const READS_WAITING = 8;

/**
 * The reads beyond the request itself that an answer of these messages costs (see LIMITS), for all its
 * text: the largest history page (48 more) costs three times the largest sync page, as it is three times
 * the bytes to send. Within the default read limit's 49, so that every valid request can be answered.
 */
function answerCost({ messages }: { messages: ChatMessage[] }): number {
  let chars = 0;
  for (const message of messages) chars += message.text.length;
  return Math.floor(chars / LIMITS.answerCharsPerRead);
}

/** The acknowledged requests, built once per server and shared by every socket (see SharedListener). */
export function messageHandlers(deps: MessageHandlerDeps): Record<RequestEventName, SharedListener> {
  const { messages, parsers, throttles } = deps;
  // Limits are per identity: every tab of a user draws on the same budget.
  const sends = { budget: (socket: ChatSocket) => throttles.messages(socket.data.user.id) };
  const typings = { budget: (socket: ChatSocket) => throttles.typing(socket.data.user.id) };
  const reads = {
    budget: (socket: ChatSocket, cost?: number) => throttles.reads(socket.data.user.id, cost),
    // Never more than the budget grants beside the request itself: with a small one (READS_PER_SECOND
    // and READ_BURST set low), a large answer was refused however long its client waited.
    extraCost: (result: { messages: ChatMessage[] }) =>
      Math.min(answerCost(result), throttles.reads.capacity - 1),
    // One read at a time per identity: a large answer's cost is spent before the next read may start.
    queue: { runs: new OneAtATime(READS_WAITING), key: (socket: ChatSocket) => socket.data.user.id },
  };
  const read = <R extends HistoryAck | SyncAck>(
    event: RequestEventName,
    answer: (socket: ChatSocket, payload: unknown) => Promise<R>,
  ) => acknowledged<R>(deps, event, reads, answer);
  return {
    [CLIENT_EVENTS.send]: acknowledged(deps, CLIENT_EVENTS.send, sends, async (socket, payload) => {
      const req = parsers.send(payload);
      if (!req.ok) return req;
      const sent = await messages.send(socket.data.user, socket.id, req.value);
      return sent.ok ? { ok: true, message: sent.value } : sent;
    }),
    [CLIENT_EVENTS.history]: read<HistoryAck>(CLIENT_EVENTS.history, async (socket, payload) => {
      const req = parsers.history(payload);
      if (!req.ok) return req;
      return withMessagesEncodedOnce({
        ok: true,
        messages: await messages.history(socket.data.user, req.value),
      });
    }),
    [CLIENT_EVENTS.sync]: read<SyncAck>(CLIENT_EVENTS.sync, async (socket, payload) => {
      const req = parsers.sync(payload);
      if (!req.ok) return req;
      return withMessagesEncodedOnce({ ok: true, ...(await messages.sync(socket.data.user, req.value)) });
    }),
    [CLIENT_EVENTS.typing]: acknowledged<TypingAck>(
      deps,
      CLIENT_EVENTS.typing,
      typings,
      async (socket, payload) => {
        const req = parsers.typing(payload);
        if (!req.ok) return req;
        const told = await messages.typing(socket.data.user, req.value);
        return told.ok ? { ok: true } : told;
      },
    ),
  };
}
