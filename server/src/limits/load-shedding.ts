import { ErrorCode, type ProtocolError } from "@chat/shared";
import { type OnLimited, rateLimited } from "./rate-limited.js";

/** How often the process measures again how fast it finishes requests. */
export const SHEDDING_INTERVAL_MS = 100;

/**
 * Its speed is the mean of this many intervals, a second: one slow commit of the store (a disk's fsync
 * took 30–100 ms under load, bench/results/notes.md, "sustained") finishes nothing within an interval,
 * then everything at once, and by one interval alone the next would take half its usual load.
 */
export const SHEDDING_WINDOW = 10;

/** The refusal's message, and the least a refused client waits: about what the backlog takes to clear. */
const BUSY = "The server is busy.";
const BUSY_RETRY_MS = 1000;

/** Requests a process always takes at once, however few it finished lately: a reconnect's burst, an idle start. */
export const MIN_IN_FLIGHT = 200;

/**
 * Refuses new requests while this process has more in flight than it can finish within the target, so
 * that it does the work it accepted at full speed instead of collapsing under work it cannot finish.
 * Without it, a backlog grows the heap with every waiting request, its store commands and its answer,
 * and collecting that heap slows every message further: offered more than it could do, a process
 * delivered a small fraction of what it delivers at its limit (bench/results/notes.md, "load shedding").
 *
 * The bound is Little's law: requests in flight = rate × time in flight. Taking at most as many as the
 * process finishes in `targetMs` (at its rate over the last second) keeps each request's wait near the
 * target, and follows the process's speed: a slower store or a busier host lowers it within a second,
 * and it grows back as requests finish faster. Never below MIN_IN_FLIGHT, so an idle server takes any burst a
 * person's clients make.
 */
export class LoadShedding {
  private inFlight = 0;
  private finishedInInterval = 0;
  private intervalStart = 0;
  /** The last SHEDDING_WINDOW intervals: requests finished, and ms. */
  private readonly recent: { finished: number; ms: number }[] = [];
  private limit = MIN_IN_FLIGHT;
  private refusedInInterval = 0;
  private refusing = false;

  constructor(
    /** How long a request should wait at most, in ms; 0 turns shedding off. */
    private readonly targetMs: number,
    /** Told of every refusal, as the rate limits tell theirs (for /metrics). */
    private readonly onLimited: OnLimited,
    /** Told at the first refusal, and after the first interval without any: not once per request. */
    private readonly onChange: (refusing: boolean, limit: number) => void,
  ) {}

  /**
   * Takes a new request (null), or refuses it with RATE_LIMITED before any of its work is done. The work
   * of a request taken is then given to follow(), or, when it never starts, finished(false).
   */
  admit(): ProtocolError | null {
    if (this.targetMs === 0) return null;
    const now = performance.now();
    if (now - this.intervalStart >= SHEDDING_INTERVAL_MS) this.measure(now);
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return null;
    }
    this.refusedInInterval++;
    if (!this.refusing) this.change(true);
    this.onLimited("busy", "process");
    // Spread over a second, so that the refused do not all come back at once.
    return rateLimited(BUSY, BUSY_RETRY_MS + Math.floor(Math.random() * BUSY_RETRY_MS));
  }

  /**
   * Holds a request taken as in flight until its work settles: settled, not answered, since work past
   * its deadline still holds the process. `refusalOf` reads the error the work ended with, if any: a
   * refusal by a rate limit is quick whatever the load, so it is not counted as work done.
   */
  follow<T>(work: Promise<T>, refusalOf: (outcome: T) => ProtocolError | null): void {
    work.then(
      (outcome) => this.finished(refusalOf(outcome)?.code !== ErrorCode.RATE_LIMITED),
      () => this.finished(true),
    );
  }

  /** `counted`: whether it did the work. */
  finished(counted: boolean): void {
    if (this.targetMs === 0) return;
    this.inFlight--;
    if (counted) this.finishedInInterval++;
  }

  private measure(now: number): void {
    // A longer interval is one in which no request came for a while: it counts as one interval, or a
    // quiet minute would hold the limit at its least through the first second of the next burst.
    this.recent.push({
      finished: this.finishedInInterval,
      ms: Math.min(now - this.intervalStart, SHEDDING_INTERVAL_MS),
    });
    if (this.recent.length > SHEDDING_WINDOW) this.recent.shift();
    let finished = 0;
    let ms = 0;
    for (const interval of this.recent) {
      finished += interval.finished;
      ms += interval.ms;
    }
    this.limit = Math.max(MIN_IN_FLIGHT, Math.round((finished / ms) * this.targetMs));
    if (this.refusing && this.refusedInInterval === 0) this.change(false);
    this.finishedInInterval = 0;
    this.refusedInInterval = 0;
    this.intervalStart = now;
  }

  private change(refusing: boolean): void {
    this.refusing = refusing;
    this.onChange(refusing, this.limit);
  }
}
