/**
 * Latency histogram with logarithmic buckets (about 1% relative error), so an hour at the rps
 * cap costs a few kilobytes instead of one number per request.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const FLOOR_MS = 0.01;

export interface LatencySummary {
  /** Milliseconds; 0 when nothing was recorded. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  private count = 0;
  private sum = 0;
  private maxMs = 0;

  record(ms: number): void {
    const v = Math.max(ms, FLOOR_MS);
    const index = Math.floor(Math.log(v / FLOOR_MS) / LOG_GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    this.maxMs = Math.max(this.maxMs, ms);
  }

  /** The value at quantile q (0..1): the upper edge of the bucket holding it, capped at max. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index) ?? 0;
      if (seen >= rank) return Math.min(FLOOR_MS * GROWTH ** (index + 1), this.maxMs);
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      p50: round(this.quantile(0.5)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
      max: round(this.maxMs),
      mean: this.count === 0 ? 0 : round(this.sum / this.count),
    };
  }
}
