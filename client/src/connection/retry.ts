import { type ProtocolError, type Result, worthRetrying } from "@chat/shared";
import type { ChatSocket } from "./socket";

/** When a RATE_LIMITED answer does not say how long to wait. */
const RETRY_MS = 1_000;

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits as long as a refusal worth retrying asks (see worthRetrying in shared/). */
export function waitOut(error: ProtocolError): Promise<unknown> {
  return pause(error.retryAfterMs ?? RETRY_MS);
}

/**
 * A request asked again, after the wait the server names, for as long as its answer is worth retrying:
 * a reconnect with many windows open asks for more pages at once than one identity may read. A request
 * left unanswered on a connection still up (a server too busy to answer in time, a packet lost) is asked
 * again too: reads change nothing, and given up, a catch-up would stop until the next reconnect. null when
 * the link dropped, or the connection it was asked on has since been replaced: the next connect asks again.
 */
export async function askUntilAnswered<T extends Result<object>>(
  socket: ChatSocket,
  ask: (socket: ChatSocket) => Promise<T>,
): Promise<T | null> {
  const connection = socket.id;
  for (;;) {
    const res = await ask(socket).catch(() => null);
    if (!socket.connected || connection !== socket.id) return null;
    if (!res) continue;
    if (res.ok || !worthRetrying(res.error)) return res;
    await waitOut(res.error);
    if (connection !== socket.id) return null;
  }
}
