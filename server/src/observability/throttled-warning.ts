import type { Logger } from "pino";

/**
 * A warning that can come in a storm (a full disk fails every write): the first goes out at once, then
 * at most one line per `intervalMs`, the latest of those held back, with how many were (`suppressed`).
 */
export class ThrottledWarning {
  private suppressed = 0;
  private latest: Record<string, unknown> = {};
  private window: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly intervalMs: number,
  ) {}

  warn(fields: Record<string, unknown>): void {
    if (this.window) {
      this.suppressed++;
      this.latest = fields;
      return;
    }
    this.log.warn(fields, this.message);
    // Unref'd: a storm's summary never holds a process that is otherwise done.
    this.window = setTimeout(() => this.endWindow(), this.intervalMs).unref();
  }

  private endWindow(): void {
    this.window = null;
    if (this.suppressed === 0) return;
    const fields = { ...this.latest, suppressed: this.suppressed };
    this.suppressed = 0;
    this.warn(fields);
  }
}
