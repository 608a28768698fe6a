/**
 * The store did not answer in time. Like an unreachable store, it means "not now": the client is told to
 * try again shortly. Unlike it, the work may still complete once the store answers, so only requests
 * that are safe to repeat may be answered this way (a resend names its clientId: see the protocol).
 */
export class DeadlinePassed extends Error {
  constructor(ms: number) {
    super(`No answer from the store within ${ms} ms`);
    this.name = "DeadlinePassed";
  }
}

type Reject = (error: unknown) => void;

/**
 * Bounds how long any request waits for the stores. A stalled Redis (paused, or cut off without a reset)
 * keeps its connection open and answers nothing, and node-redis has no timeout for a command it has
 * already sent: without a deadline, every request, login and probe would wait for as long as the stall
 * lasts. One timer for all requests instead of one each, since a chat answers tens of thousands a
 * second: a request joins the current cohort, cohorts age every half deadline, and the third-oldest is
 * expired, so each request gets between one and one and a half deadlines.
 */
export class Deadlines {
  private cohorts: Set<Reject>[] = [new Set(), new Set(), new Set()];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly ms: number,
    /** Told how many requests a cohort expired, so a stall is logged once per tick, not per request. */
    onExpired: (count: number) => void,
  ) {
    this.timer = setInterval(() => {
      const [expiring, ...younger] = this.cohorts as [Set<Reject>, Set<Reject>, Set<Reject>];
      this.cohorts = [...younger, new Set()];
      if (expiring.size === 0) return;
      onExpired(expiring.size);
      const passed = new DeadlinePassed(ms);
      for (const reject of expiring) reject(passed);
    }, ms / 2);
    this.timer.unref();
  }

  /** The work's outcome, or DeadlinePassed if it takes too long; the work itself carries on regardless. */
  within<T>(work: Promise<T>): Promise<T> {
    const cohort = this.cohorts[2] as Set<Reject>;
    return new Promise<T>((resolve, reject) => {
      cohort.add(reject);
      work.then(
        (value) => {
          cohort.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          cohort.delete(reject);
          reject(error);
        },
      );
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
