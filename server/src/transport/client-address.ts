import type { IncomingMessage } from "node:http";

/**
 * The address that per-IP limits count: the TCP peer. Behind a reverse proxy that is the proxy itself,
 * for every client — raise or turn off (0) the per-IP limits there, or derive the address from the
 * proxy's forwarding header here.
 */
export function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? "unknown";
}
