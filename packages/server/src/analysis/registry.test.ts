import { measurementSchema } from '@sluice/core/analysis';
import { describe, expect, it } from 'vitest';
import type { MetricProvider } from './providers/metric-provider.js';
import { MetricRegistry } from './registry.js';

const fixed = (type: string, names: string[], value: number): MetricProvider => ({
  type,
  names: () => names,
  measure: async (q) => ({ metric: q.metric, value, sampleCount: 100 }),
});
const query = (metric: string) => ({ metric, version: 'v2', windowMs: 60_000, now: new Date(0) });

describe('MetricRegistry', () => {
  it('routes each metric name to the provider that answers it', async () => {
    const registry = new MetricRegistry([fixed('a', ['error_rate'], 1), fixed('b', ['bounce_rate'], 2)]);
    expect(registry.names()).toEqual(['bounce_rate', 'error_rate']);
    expect(await registry.measure(query('error_rate'))).toEqual({
      metric: 'error_rate',
      value: 1,
      sampleCount: 100,
    });
    expect(await registry.measure(query('bounce_rate'))).toMatchObject({ value: 2 });
    expect(registry.providerOf('bounce_rate')).toBe('b');
  });

  it('answers an unknown name with an error measurement naming the known ones', async () => {
    const registry = new MetricRegistry([fixed('a', ['error_rate', 'latency_p95'], 1)]);
    const m = await registry.measure(query('error_rat'));
    expect(measurementSchema.parse(m)).toEqual({
      metric: 'error_rat',
      value: null,
      sampleCount: 0,
      error: 'unknown metric "error_rat"; known metrics: error_rate, latency_p95',
    });
  });

  it('turns a provider that throws into an error measurement', async () => {
    const broken: MetricProvider = {
      type: 'broken',
      names: () => ['x'],
      measure: async () => {
        throw new Error('boom');
      },
    };
    const m = await new MetricRegistry([broken]).measure(query('x'));
    expect(m).toEqual({ metric: 'x', value: null, sampleCount: 0, error: 'broken provider failed: boom' });
  });

  it('measures several metrics of one target, in the order asked', async () => {
    const registry = new MetricRegistry([fixed('a', ['error_rate'], 1), fixed('b', ['bounce_rate'], 2)]);
    const all = await registry.measureAll(['bounce_rate', 'nope', 'error_rate'], {
      version: 'v2',
      windowMs: 60_000,
      now: new Date(0),
    });
    expect(all.map((m) => [m.metric, m.value])).toEqual([
      ['bounce_rate', 2],
      ['nope', null],
      ['error_rate', 1],
    ]);
  });

  it('refuses two providers claiming one name', () => {
    expect(() => new MetricRegistry([fixed('a', ['error_rate'], 1), fixed('b', ['error_rate'], 2)])).toThrow(
      /both a and b/,
    );
  });
});
