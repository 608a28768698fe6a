import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { BURST_WINDOW_S } from "./settings.js";

/**
 * Cuts the transport of a connection that goes on asking after it was refused. A client that waits the
 * `retryAfterMs` it is told gets a few refusals at a time; one that ignores them would cost a parse, a
 * limit check and an answer per request for as long as it floods. Cut, it may reconnect and resume, as
 * after any drop, within the handshake limit (which a flood spends fast).
 */
export class RefusalCut {
  private readonly refusals: RateLimiterMemory | null;

  constructor(
    /** Refusals per connection in a `BURST_WINDOW_S` window; the next one cuts it. 0 is off. */
    perWindow: number,
    /**
     * Closes a connection's transport, unless it is closing already: it is told of every refusal past the
     * limit, the recovered connection of a client that was cut (same id, same window) included.
     */
    private readonly cut: (socketId: string) => void,
  ) {
    this.refusals =
      perWindow === 0
        ? null
        : new RateLimiterMemory({ keyPrefix: "refusals", points: perWindow, duration: BURST_WINDOW_S });
  }

  /** Counts a refusal by a limit of this client's own (not the server's load: that is no fault of it). */
  refused(socketId: string): void {
    this.refusals?.consume(socketId).catch((over: unknown) => {
      if (over instanceof RateLimiterRes) this.cut(socketId);
    });
  }
}
