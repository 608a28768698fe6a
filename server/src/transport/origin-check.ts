import type { IncomingMessage } from "node:http";

/**
 * Which browser pages may connect: `[]` only the server's own origin, `["*"]` any, else exactly these
 * (normalised by `new URL(origin).origin`).
 *
 * Browsers always send `Origin` on WebSocket handshakes and cross-origin requests, and Socket.IO's `cors`
 * covers only long-polling (pitfall 8), so this runs in `allowRequest`, on every transport. A request
 * without `Origin` is not from a browser page; it cannot carry a victim's session, so it may connect.
 * Except JSONP long-polling (`j` in the query): a `<script>` element on any page sends it without
 * `Origin` and can read its answer, the session id, with which that page could then go on. Browsers have
 * other transports, so JSONP is refused unless any origin may connect.
 */
export function originRefusal(request: IncomingMessage, allowed: readonly string[]): string | null {
  if (allowed.includes("*")) return null;
  if (new URL(request.url ?? "/", "http://localhost").searchParams.has("j")) return "JSONP is not allowed";
  const origin = request.headers.origin;
  if (origin === undefined) return null;
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
