import { LATENCY_SCALE } from './histogram.js';

const BINS = LATENCY_SCALE.bins;

/** Figures for one route/version over a window. Latencies in seconds, errorRate in percent. */
export interface WindowStats {
  requests: number;
  errors: number;
  /** null when there were no requests: no data is inconclusive, never a pass. */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * A ring of fixed-width time slots (default 1 s), each with a request count, an error count and
 * a latency histogram. Reading a window merges the slots that overlap it; slots older than the
 * retention are reused. Time is always passed in (ms since the epoch).
 */
export class SlidingWindow {
  private readonly slotMs: number;
  private readonly slots: number;
  private readonly starts: Float64Array;
  private readonly requests: Float64Array;
  private readonly errors: Float64Array;
  private readonly bins: (Uint32Array | undefined)[];

  constructor(retentionMs: number, slotMs = 1_000) {
    this.slotMs = slotMs;
    this.slots = Math.max(1, Math.ceil(retentionMs / slotMs)) + 1;
    this.starts = new Float64Array(this.slots).fill(-1);
    this.requests = new Float64Array(this.slots);
    this.errors = new Float64Array(this.slots);
    this.bins = new Array(this.slots).fill(undefined);
  }

  private slotFor(now: number): number {
    const start = Math.floor(now / this.slotMs) * this.slotMs;
    const i = Math.floor(now / this.slotMs) % this.slots;
    if (this.starts[i] !== start) {
      this.starts[i] = start;
      this.requests[i] = 0;
      this.errors[i] = 0;
      this.bins[i]?.fill(0);
    }
    return i;
  }

  record(now: number, seconds: number, error: boolean): void {
    const i = this.slotFor(now);
    this.requests[i] = (this.requests[i] ?? 0) + 1;
    if (error) this.errors[i] = (this.errors[i] ?? 0) + 1;
    let bins = this.bins[i];
    if (!bins) {
      bins = new Uint32Array(BINS);
      this.bins[i] = bins;
    }
    const b = LATENCY_SCALE.binOf(seconds);
    bins[b] = (bins[b] ?? 0) + 1;
  }

  /** Slots whose time range overlaps (now - windowMs, now]. */
  read(windowMs: number, now: number): WindowStats {
    const from = now - windowMs;
    const merged = new Float64Array(BINS);
    let requests = 0;
    let errors = 0;
    for (let i = 0; i < this.slots; i++) {
      const start = this.starts[i] ?? -1;
      if (start < 0 || start > now || start + this.slotMs <= from) continue;
      requests += this.requests[i] ?? 0;
      errors += this.errors[i] ?? 0;
      const bins = this.bins[i];
      if (bins) for (let b = 0; b < BINS; b++) merged[b] = (merged[b] ?? 0) + (bins[b] ?? 0);
    }
    return {
      requests,
      errors,
      errorRate: requests === 0 ? null : (errors / requests) * 100,
      p50: LATENCY_SCALE.quantile(merged, requests, 0.5),
      p95: LATENCY_SCALE.quantile(merged, requests, 0.95),
      p99: LATENCY_SCALE.quantile(merged, requests, 0.99),
    };
  }
}
