import type { IncomingHttpHeaders } from "node:http";

/**
 * The address a client connected from. Each trusted proxy appends the address it saw to X-Forwarded-For,
 * so with `trustedHops` proxies the client is that many entries from the right; anything further left was
 * written by the client itself and proves nothing. Without trusted proxies the header is ignored.
 */
export function clientAddress(
  handshake: { address: string; headers: IncomingHttpHeaders },
  trustedHops: number,
): string {
  if (trustedHops === 0) return handshake.address;
  const header = handshake.headers["x-forwarded-for"];
  const chain = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  return chain[chain.length - trustedHops] ?? handshake.address;
}
