import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { RedisClient } from "./client.js";

/**
 * Notices a Redis that lost its data under the running chat: restarted without persistence, flushed,
 * or swapped for another. The first process to start writes a random epoch; every process reads it at
 * start and checks, every `everyMs` and after each reconnect, that it has not changed. When it has,
 * names, sessions and presence are gone and message ids start again at 1 under clients that have seen
 * higher ones: `onLost` is called (the server ends every connection, so clients log in afresh), and the
 * new data's epoch is adopted.
 */
export class StoreEpoch {
  private epoch = "";
  private timer: NodeJS.Timeout | null = null;
  private check: (() => void) | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly log: Logger,
  ) {}

  async start(everyMs: number, onLost: () => void): Promise<void> {
    this.epoch = await this.current();
    const check = () => {
      this.current().then(
        (epoch) => {
          if (epoch === this.epoch) return;
          this.log.error(
            "redis lost the chat's data (restarted empty, flushed or replaced): ending every connection",
          );
          this.epoch = epoch;
          onLost();
        },
        // Unreachable: nothing to compare until it is back (the reconnect checks again).
        () => undefined,
      );
    };
    this.check = check;
    this.timer = setInterval(check, everyMs);
    this.timer.unref();
    this.redis.on("ready", check);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.check) this.redis.off("ready", this.check);
  }

  /**
   * The epoch of the data Redis holds now, written first if it holds none. In one transaction: data lost
   * between the write and the read would be read as no epoch, then the next check's as a new one, and a
   * single loss would end every connection twice, the second time those made after the first.
   */
  private async current(): Promise<string> {
    const [, epoch] = await this.redis
      .multi()
      .set(this.key, randomBytes(8).toString("hex"), { NX: true })
      .get(this.key)
      .exec();
    return String(epoch ?? "");
  }
}
