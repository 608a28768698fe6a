import type { Millis } from "../step.js";

const BUCKET_US = 50;
const RANGE_US = 10_000_000;

/**
 * End-to-end latencies in 50 µs buckets up to 10 s. Recording is one array increment, cheap enough to
 * do for every delivery instead of a sample. Deliveries that never came are added as infinite, so a
 * server that drops messages cannot look fast.
 */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(RANGE_US / BUCKET_US);
  private beyondRange = 0;
  private lost = 0;
  count = 0;
  maxUs = 0;

  record(latencyUs: number): void {
    this.count++;
    if (latencyUs > this.maxUs) this.maxUs = latencyUs;
    const bucket = Math.max(0, (latencyUs / BUCKET_US) | 0);
    if (bucket < this.buckets.length) this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    else this.beyondRange++;
  }

  addLost(count: number): void {
    this.lost += Math.max(0, count);
  }

  /** The latency at quantile q (0..1) in ms; null when it falls among the lost (infinite) ones. */
  quantile(q: number): Millis {
    const total = this.count + this.lost;
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] as number;
      if (seen >= rank) return ((i + 1) * BUCKET_US) / 1000;
    }
    if (seen + this.beyondRange >= rank) return this.maxUs / 1000;
    return null;
  }
}
