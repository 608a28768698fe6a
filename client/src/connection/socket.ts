import {
  type AnswerTo,
  type ClientToServerEvents,
  ErrorCode,
  isAnswerTo,
  isServerPayload,
  type RequestEventName,
  type ServerEventName,
  type ServerPayload,
  type ServerToClientEvents,
} from "@chat/shared";
import { io, type Socket } from "socket.io-client";

/** The longest socket.io-client waits between two connection attempts. */
export const RECONNECT_DELAY_MAX_MS = 5_000;

/** How long a request waits for its answer before it counts as unanswered. */
const ACK_TIMEOUT_MS = 10_000;

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The one socket of this tab. Its path sits next to the page, so a build served under a reverse proxy's
 * sub-path (https://host/chat/) talks to https://host/chat/socket.io without being rebuilt.
 */
export function createChatSocket(): ChatSocket {
  return io({
    path: new URL("socket.io", document.baseURI).pathname,
    autoConnect: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
  });
}

// What the server sends is checked against the protocol's schemas before anything acts on it: a message
// whose `sentAt` no Date holds would throw while it is shown, and an id that is not one would break the
// watermark that catch-ups start from.

/** Listens to a server event; a payload without the protocol's shape is dropped, with a warning. */
export function onServerEvent<E extends ServerEventName>(
  socket: ChatSocket,
  event: E,
  listener: (payload: ServerPayload<E>) => void,
): void {
  const checked = (payload: unknown) => {
    if (isServerPayload(event, payload)) listener(payload);
    else console.warn(`Dropped a malformed "${event}" from the server.`);
  };
  // Socket.IO types a listener by the event map, which a generic event cannot narrow to.
  socket.on(event, checked as never);
}

/** What a malformed answer counts as: the server failing, which is not asked again. */
const MALFORMED = {
  ok: false,
  error: { code: ErrorCode.INTERNAL, message: "The server's answer was malformed." },
} as const;

/**
 * Asks the server, waiting ACK_TIMEOUT_MS at most (rejects past it). An answer without the protocol's
 * shape comes back as INTERNAL, so that nothing acts on it.
 */
export async function ask<E extends RequestEventName>(
  socket: ChatSocket,
  event: E,
  request: Parameters<ClientToServerEvents[E]>[0],
): Promise<AnswerTo<E>> {
  // As with onServerEvent: the event map types emitWithAck per event, not for a generic one.
  const answer: unknown = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...([request] as never));
  if (isAnswerTo(event, answer)) return answer;
  console.warn(`The server answered "${event}" with something malformed.`);
  return MALFORMED as AnswerTo<E>;
}
