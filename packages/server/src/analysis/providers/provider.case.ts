/**
 * The contract every metric provider keeps, as one suite each provider's test file runs with
 * its own fixture: the core's exact measurement shape, inconclusive without enough data,
 * failures as data (never a rejection), figures that match the data fed in.
 */
import { measurementSchema } from '@sluice/core/analysis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricProvider, MetricQuery } from './metric-provider.js';

export interface ProviderFixture {
  provider: MetricProvider;
  /** The metrics to read; default the provider's own names (template providers have none). */
  metrics?: readonly string[];
  /** The query a gate would send for `metric` against the fixture's data. */
  query(metric: string): MetricQuery;
  /** Feeds one sample fewer than the provider's minimum (for every metric). */
  feedTooFew(): Promise<void>;
  /** Feeds enough data; resolves to the value each metric should then read. */
  feedEnough(): Promise<Record<string, number>>;
  /** Makes the provider's back end fail (closed database, unreachable router…). */
  breakBackend(): Promise<void>;
  close(): Promise<void>;
}

export function metricProviderContract(
  label: string,
  setup: () => Promise<ProviderFixture>,
  tolerance = 1e-6,
) {
  describe(`metric provider contract: ${label}`, () => {
    let f: ProviderFixture;
    beforeEach(async () => {
      f = await setup();
    });
    afterEach(async () => f?.close());

    const metrics = () => f.metrics ?? f.provider.names();
    const each = async (check: (metric: string, m: unknown) => void) => {
      for (const metric of metrics()) check(metric, await f.provider.measure(f.query(metric)));
    };

    it('names the metrics it answers (or reads templates): unique, snake_case', () => {
      const names = metrics();
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
    });

    it('without data: no value, zero samples and a reason, in the core measurement shape', async () => {
      await each((metric, m) => {
        expect(measurementSchema.parse(m)).toEqual({
          metric,
          value: null,
          sampleCount: 0,
          error: expect.any(String),
        });
      });
    });

    it('with one sample too few: still no value, the sample count and why', async () => {
      await f.feedTooFew();
      await each((metric, m) => {
        const parsed = measurementSchema.parse(m);
        expect(parsed.value, metric).toBeNull();
        expect(parsed.sampleCount, metric).toBeGreaterThan(0);
        expect(parsed.error, metric).toMatch(/too few/);
      });
    });

    it('with enough data: the value fed in, its sample count, no error', async () => {
      const expected = await f.feedEnough();
      await each((metric, m) => {
        const parsed = measurementSchema.parse(m);
        expect(parsed.error, metric).toBeUndefined();
        expect(parsed.value, metric).not.toBeNull();
        expect(Math.abs((parsed.value as number) - (expected[metric] as number)), metric).toBeLessThanOrEqual(
          tolerance,
        );
        expect(parsed.sampleCount, metric).toBeGreaterThan(0);
      });
    });

    it('answers a metric it does not know (no template) with an error measurement, not an exception', async () => {
      const { template: _template, ...plain } = f.query(metrics()[0] as string);
      const m = await f.provider.measure({ ...plain, metric: 'no_such_metric' });
      expect(measurementSchema.parse(m)).toMatchObject({ metric: 'no_such_metric', value: null });
      expect(m.error).toMatch(/no_such_metric/);
    });

    it('turns a failing back end into an error measurement, never a rejection', async () => {
      await f.feedEnough();
      await f.breakBackend();
      await each((metric, m) => {
        const parsed = measurementSchema.parse(m);
        expect(parsed.error, metric).toEqual(expect.any(String));
        expect(parsed.value, metric).toBeNull();
      });
    });
  });
}
