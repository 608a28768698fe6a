import type { IncomingMessage } from "node:http";

/**
 * Which browser pages may connect: `[]` only the server's own origin, `["*"]` any, else exactly these
 * (normalised by `new URL(origin).origin`).
 *
 * Browsers always send `Origin` on WebSocket handshakes and cross-origin requests, and Socket.IO's `cors`
 * covers only long-polling (pitfall 8), so this runs in `allowRequest`, on every transport. A request
 * without `Origin` is not from a browser page; it cannot carry a victim's session, so it may connect.
 */
export function originRefusal(request: IncomingMessage, allowed: readonly string[]): string | null {
  const origin = request.headers.origin;
  if (origin === undefined || allowed.includes("*")) return null;
  const accepted =
    allowed.length === 0
      ? hostOf(origin) === request.headers.host?.toLowerCase()
      : allowed.includes(originOf(origin));
  return accepted ? null : `Origin ${origin} is not allowed`;
}

function hostOf(origin: string): string | null {
  return URL.canParse(origin) ? new URL(origin).host : null;
}

function originOf(origin: string): string {
  return URL.canParse(origin) ? new URL(origin).origin : origin;
}
