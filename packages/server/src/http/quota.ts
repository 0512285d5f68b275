/**
 * Per-client quotas (SECURITY.md, "Quotas and retention"): what a token may hold or send. They
 * protect the process and the other tenants; their defaults sit far above what the benchmarks
 * need, so only abuse meets them.
 */
import { defineError } from '@sluice/core';

export const QuotaExceeded = defineError('QUOTA_EXCEEDED', 429, 'A per-token quota is used up');

/** QUOTA_EXCEEDED with the Retry-After the client should honour. */
export function quotaExceeded(detail: string, retryAfterSeconds: number) {
  return QuotaExceeded(detail, { extensions: { retryAfterSeconds } });
}

/**
 * A token bucket per key: `rate` units a second, holding at most one second's worth. Takes all
 * of a request or none of it, so a batch is never half stored.
 */
export class RateQuota {
  private readonly buckets = new Map<string, { level: number; at: number }>();

  constructor(
    readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `units` from the key's bucket; returns the seconds to wait when there are too few. */
  take(key: string, units: number): number {
    const at = this.now();
    const bucket = this.buckets.get(key) ?? { level: this.rate, at };
    // a clock stepped back (NTP, a test's clock) refills nothing rather than draining the bucket
    const elapsed = Math.max(0, at - bucket.at);
    bucket.level = Math.min(this.rate, bucket.level + (elapsed / 1000) * this.rate);
    bucket.at = at;
    if (bucket.level < units) {
      this.remember(key, bucket);
      return Math.max(1, Math.ceil((units - bucket.level) / this.rate));
    }
    bucket.level -= units;
    this.remember(key, bucket);
    return 0;
  }

  private remember(key: string, bucket: { level: number; at: number }): void {
    // full buckets carry no information: forget them rather than grow with every token ever seen
    if (this.buckets.size > 10_000)
      for (const [k, b] of this.buckets)
        if (b.level >= this.rate || bucket.at - b.at > 1000) this.buckets.delete(k);
    this.buckets.set(key, bucket);
  }
}
