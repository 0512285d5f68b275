/**
 * Simulated traffic for the judge's tests: two versions serving requests at a steady rate,
 * each request a page view that errs, bounces or converts with the version's probabilities.
 * Seeded (the stats engine's generator); the readings look like the builtin and events
 * providers' — value, samples and the counts behind them.
 */

import type { Rng } from '../../stats/test-support/random.js';
import type { Measurement } from '../index.js';

export interface VersionModel {
  errorRate: number;
  bounceRate: number;
  conversionRate: number;
}

export const HEALTHY: VersionModel = { errorRate: 0.005, bounceRate: 0.2, conversionRate: 0.4 };

/** Binomial draw: inversion for small means, the normal approximation (±0.5) for large ones. */
export function binomial(r: Rng, n: number, p: number): number {
  const mean = n * p;
  if (mean < 30 || n * (1 - p) < 30) return r.binomial(n, p);
  const k = Math.round(mean + Math.sqrt(mean * (1 - p)) * r.normal());
  return Math.min(n, Math.max(0, k));
}

interface Window {
  requests: number;
  errors: number;
  bounces: number;
  conversions: number;
}

function serve(r: Rng, requests: number, v: VersionModel): Window {
  return {
    requests,
    errors: binomial(r, requests, v.errorRate),
    bounces: binomial(r, requests, v.bounceRate),
    conversions: binomial(r, requests, v.conversionRate),
  };
}

const percent = (events: number, total: number) => (total === 0 ? null : (events / total) * 100);

/** One window's readings of error_rate, bounce_rate and conversion_rate_drop, canary vs baseline. */
export function readings(
  r: Rng,
  requests: number,
  canary: VersionModel,
  baseline: VersionModel,
): Measurement[] {
  const c = serve(r, requests, canary);
  const b = serve(r, requests, baseline);
  const pair = (k: 'errors' | 'bounces') => ({
    version: { events: c[k], total: c.requests },
    baseline: { events: b[k], total: b.requests },
  });
  const stableRate = b.conversions / b.requests;
  return [
    {
      metric: 'error_rate',
      value: percent(c.errors, c.requests),
      sampleCount: c.requests,
      evidence: { statistic: 'rate', ...pair('errors') },
    },
    {
      metric: 'bounce_rate',
      value: percent(c.bounces, c.requests),
      sampleCount: c.requests,
      evidence: { statistic: 'rate', ...pair('bounces') },
    },
    {
      metric: 'conversion_rate_drop',
      value: ((stableRate - c.conversions / c.requests) / stableRate) * 100,
      sampleCount: Math.min(c.requests, b.requests),
      evidence: {
        statistic: 'relative_drop',
        version: { events: c.conversions, total: c.requests },
        baseline: { events: b.conversions, total: b.requests },
      },
    },
  ];
}
