import { type ProtocolError, type Result, worthRetrying } from "@chat/shared";
import type { ChatSocket } from "./socket";

/** How long a request waits for its answer before it counts as unanswered. */
export const ACK_TIMEOUT_MS = 10_000;

/** When a RATE_LIMITED answer does not say how long to wait. */
const RETRY_MS = 1_000;

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits as long as a refusal worth retrying asks (see worthRetrying in shared/). */
export function waitOut(error: ProtocolError): Promise<unknown> {
  return pause(error.retryAfterMs ?? RETRY_MS);
}

/**
 * A request asked again, after the wait the server names, for as long as its answer is worth retrying:
 * a reconnect with many windows open asks for more pages at once than one identity may read. null when
 * no answer came (the link dropped, or the server did not answer in time), or when the connection it
 * was asked on has since been replaced.
 */
export async function askUntilAnswered<T extends Result<object>>(
  socket: ChatSocket,
  ask: (socket: ChatSocket) => Promise<T>,
): Promise<T | null> {
  const connection = socket.id;
  for (;;) {
    const res = await ask(socket).catch(() => null);
    if (!res || connection !== socket.id) return null;
    if (res.ok || !worthRetrying(res.error)) return res;
    await waitOut(res.error);
    if (connection !== socket.id) return null;
  }
}
