import type { ProtocolError } from "@chat/shared";
import ipaddr from "ipaddr.js";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { LimiterBackend } from "./limiter-backend.js";
import { type OnLimited, rateLimited, spend } from "./rate-limited.js";
import type { Limits } from "./settings.js";

/** A transport (engine.io) connection, counted from its handshake until it closes. */
export interface TransportConnection {
  once(event: "close", listener: () => void): unknown;
}

/**
 * What per-address limits count an address as: an IPv6 address by its /64, the block one subscriber is
 * given (a client holding one has 2^64 addresses to rotate through); an IPv4 address as itself, also when
 * it comes IPv4-mapped ("::ffff:192.0.2.1", from a server listening on "::"); anything else as written.
 */
function limitedBlock(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  return parsed.kind() === "ipv6" ? `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed}/64`)}/64` : `${parsed}`;
}

/** The connections a browser opens for a page's files, beside those of its chat transports. */
const PAGE_CONNECTIONS = 6;

/**
 * Connections and handshakes per client address (an IPv6 one by its /64, see limitedBlock). Open connections are live state of this process, so
 * they are counted here in memory; the handshake rate goes through the limiter backend.
 *
 * Two layers, because a refusal a client can read (`connect_error` RATE_LIMITED) can only be sent over a
 * connection that exists: `admit` refuses Socket.IO connections beyond the limit clearly, and
 * `refusesTransport` turns away, with a bare HTTP 403, new transports from an address that already holds
 * twice the limit — a client that ignores the clear refusal and keeps opening raw connections.
 */
export class ConnectionLimits {
  /** Transport connections by address block. */
  private readonly open = new Map<string, number>();
  /** TCP connections by address block (see admitsTcp). */
  private readonly openTcp = new Map<string, number>();
  /**
   * Transports that have carried a Socket.IO handshake. Socket.IO accepts a CONNECT for a namespace while
   * an earlier one on the same transport is still in its middleware, so one transport could bring any
   * number of sockets past a limit that counts transports. socket.io-client opens a new transport for
   * every connection attempt, so one handshake per transport costs it nothing.
   */
  private readonly handshaken = new WeakSet<TransportConnection>();
  private readonly handshakes: RateLimiterAbstract | null;

  constructor(
    private readonly limits: Pick<Limits, "connectionsPerIp" | "handshakesPerIpPerMinute">,
    backend: LimiterBackend,
    private readonly onLimited: OnLimited,
  ) {
    const perMinute = limits.handshakesPerIpPerMinute;
    this.handshakes =
      perMinute > 0 ? backend({ name: "handshakes", points: perMinute, durationS: 60 }) : null;
  }

  track(address: string, connection: TransportConnection): void {
    countOpen(this.open, limitedBlock(address), connection);
  }

  /**
   * Counts a TCP connection, or refuses it (false) when its address already holds as many as its
   * transports may use: two each (long-polling polls on one while it sends on another), and a browser's
   * few for the page's files. A client that never reads its long-polling answers can leave each on a
   * connection of its own, held in the kernel's and the server's buffers until it closes: this bounds how
   * many. Only for clients connecting directly: behind a proxy every connection comes from the proxy.
   */
  admitsTcp(address: string, connection: TransportConnection): boolean {
    const max = this.limits.connectionsPerIp;
    const block = limitedBlock(address);
    if (max > 0 && (this.openTcp.get(block) ?? 0) >= 2 * max + PAGE_CONNECTIONS) {
      this.onLimited("connections", address);
      return false;
    }
    countOpen(this.openTcp, block, connection);
    return true;
  }

  refusesTransport(address: string): boolean {
    const max = this.limits.connectionsPerIp;
    const refused = max > 0 && this.openFrom(limitedBlock(address)) >= 2 * max;
    if (refused) this.onLimited("connections", address);
    return refused;
  }

  /** Checked on every Socket.IO handshake, whose transport connection is already counted. */
  async admit(address: string, connection: TransportConnection): Promise<ProtocolError | null> {
    if (this.handshaken.has(connection)) {
      this.onLimited("connections", address);
      return rateLimited("This connection has already logged in once. Open a new one.");
    }
    this.handshaken.add(connection);
    const block = limitedBlock(address);
    const max = this.limits.connectionsPerIp;
    if (max > 0 && this.openFrom(block) > max) {
      this.onLimited("connections", address);
      return rateLimited(`Too many connections from your address (at most ${max}). Close some first.`);
    }
    if (!this.handshakes) return null;
    return spend(this.handshakes, block, 1, {
      limit: "handshakes",
      message: "Too many connection attempts from your address.",
      onLimited: this.onLimited,
    });
  }

  private openFrom(block: string): number {
    return this.open.get(block) ?? 0;
  }
}

/** Counts a connection of `block` in `open` until it closes. */
function countOpen(open: Map<string, number>, block: string, connection: TransportConnection): void {
  open.set(block, (open.get(block) ?? 0) + 1);
  connection.once("close", () => {
    const left = (open.get(block) ?? 0) - 1;
    if (left > 0) open.set(block, left);
    else open.delete(block);
  });
}
