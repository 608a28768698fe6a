/**
 * Runs `run` once for however many schedule() calls come before it runs: at once after a quiet spell,
 * otherwise once the spacing has passed since it last ran. The spacing is at least `minSpacingMs`, and
 * `costFactor` times what the last run cost, so that costly runs take a bounded share of the time.
 */
export class SpacedTimer {
  /** How long the last run took, in ms, as the run itself measured it (its writes may leave later). */
  lastCost = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastRunAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly run: () => void,
    private readonly minSpacingMs: number,
    private readonly costFactor: number,
  ) {}

  schedule(): void {
    if (this.timer) return;
    const spacing = Math.max(this.minSpacingMs, this.costFactor * this.lastCost);
    const wait = Math.max(0, this.lastRunAt + spacing - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastRunAt = performance.now();
      this.run();
    }, wait);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
