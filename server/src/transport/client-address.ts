import type { IncomingHttpHeaders } from "node:http";

/** The parts of an HTTP request (a handshake's `socket.request`) that tell where it came from. */
export interface RequestOrigin {
  socket: { remoteAddress?: string | undefined };
  headers: IncomingHttpHeaders;
}

/**
 * The address a client connected from, which per-address limits count and logs show. Each trusted proxy
 * appends the address it saw to X-Forwarded-For, so with `trustedHops` proxies the client is that many
 * entries from the right; anything further left was written by the client itself and proves nothing.
 * Without trusted proxies (TRUST_PROXY=0) the header is ignored and the TCP peer counts.
 */
export function clientAddress(request: RequestOrigin, trustedHops: number): string {
  const peer = request.socket.remoteAddress ?? "unknown";
  if (trustedHops === 0) return peer;
  const header = request.headers["x-forwarded-for"];
  const chain = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  return chain[chain.length - trustedHops] ?? peer;
}
