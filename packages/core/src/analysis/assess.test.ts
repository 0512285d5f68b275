import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assess, type Measurement, normalizeThresholds } from './index.js';

const m = (metric: string, value: number | null, sampleCount = 100, error?: string): Measurement =>
  error === undefined ? { metric, value, sampleCount } : { metric, value, sampleCount, error };

describe('normalizeThresholds', () => {
  it('reads bare numbers as maxima and max_/min_ prefixes as the metric they bound', () => {
    expect(normalizeThresholds({ error_rate: 1, max_latency_p95: 0.5, min_success_rate: 99 })).toEqual([
      { metric: 'error_rate', max: 1, minSamples: 1 },
      { metric: 'latency_p95', max: 0.5, minSamples: 1 },
      { metric: 'success_rate', min: 99, minSamples: 1 },
    ]);
  });

  it('accepts explicit ranges and listed metrics without a bound', () => {
    expect(normalizeThresholds({ cpu: { min: 1, max: 80, min_samples: 30 } }, ['cpu', 'rps'])).toEqual([
      { metric: 'cpu', min: 1, max: 80, minSamples: 30 },
      { metric: 'rps', minSamples: 1 },
    ]);
  });
});

describe('assess', () => {
  const thresholds = normalizeThresholds({ error_rate: 1, latency_p95: 0.5 });

  it('passes only when every metric is present and in range', () => {
    const a = assess([m('error_rate', 0.2), m('latency_p95', 0.3)], thresholds);
    expect(a.verdict).toBe('pass');
  });

  it('fails when a value is out of range, naming it', () => {
    const a = assess([m('error_rate', 2.5), m('latency_p95', 0.3)], thresholds);
    expect(a.verdict).toBe('fail');
    expect(a.reasons).toEqual(['error_rate = 2.5% is above 1%']);
  });

  it('fails below a minimum', () => {
    expect(assess([m('success_rate', 90)], normalizeThresholds({ min_success_rate: 99 })).verdict).toBe(
      'fail',
    );
  });

  it('treats missing data, nulls, too few samples and provider errors as inconclusive', () => {
    expect(assess([m('error_rate', 0.1)], thresholds).verdict).toBe('inconclusive');
    expect(assess([m('error_rate', 0.1), m('latency_p95', null)], thresholds).verdict).toBe('inconclusive');
    expect(assess([m('error_rate', 0.1), m('latency_p95', 0.1, 0)], thresholds).verdict).toBe('inconclusive');
    const few = normalizeThresholds({ error_rate: { max: 1, min_samples: 50 } });
    expect(assess([m('error_rate', 0.1, 49)], few).reasons).toEqual(['error_rate: 49 samples, need 50']);
    const err = assess([m('error_rate', 0.1), m('latency_p95', null, 0, 'connection refused')], thresholds);
    expect(err.verdict).toBe('inconclusive');
    expect(err.reasons[0]).toContain('connection refused');
  });

  it('lets a failure win over inconclusive data', () => {
    expect(assess([m('error_rate', 9)], thresholds).verdict).toBe('fail');
  });

  it('never passes when any thresholded metric lacks usable data (property)', () => {
    const reading = fc.record({
      present: fc.boolean(),
      value: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null }),
      samples: fc.nat(5),
      error: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(reading, { minLength: 1, maxLength: 4 }), (readings) => {
        const names = readings.map((_, i) => `m${i}`);
        const ts = normalizeThresholds(Object.fromEntries(names.map((n) => [n, { max: 1e7 }])));
        const ms = readings.flatMap((r, i) => (r.present ? [m(`m${i}`, r.value, r.samples, r.error)] : []));
        const unusable = readings.some(
          (r) => !r.present || r.value === null || r.samples < 1 || r.error !== undefined,
        );
        const verdict = assess(ms, ts).verdict;
        if (unusable) expect(verdict).not.toBe('pass');
        else expect(verdict).toBe('pass');
      }),
    );
  });
});
