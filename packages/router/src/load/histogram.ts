/**
 * The load generator's latency histogram: the shared log scale of `@sluice/core/histogram`
 * (about 1 % relative error, from 10 µs to about 7 minutes), so an hour at the rps cap costs a
 * few kilobytes instead of one number per request.
 */
import { LogHistogram, LogScale } from '@sluice/core/histogram';

const MS_SCALE = new LogScale(0.01, 1.01, 2000);

export interface LatencySummary {
  /** Milliseconds; 0 when nothing was recorded. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class LatencyHistogram extends LogHistogram {
  constructor() {
    super(MS_SCALE);
  }

  summary(): LatencySummary {
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      p50: round(this.quantile(0.5)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
      max: round(this.max),
      mean: this.count === 0 ? 0 : round(this.sum / this.count),
    };
  }
}
