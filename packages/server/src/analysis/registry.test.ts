import { measurementSchema } from '@sluice/core/analysis';
import { describe, expect, it } from 'vitest';
import type { MetricProvider, MetricQuery } from './providers/metric-provider.js';
import { MetricRegistry } from './registry.js';
import type { MetricTemplateSpec } from './templates/metric-template.schema.js';
import { staticLookup } from './templates/resolve.js';

/** A provider answering `value`, remembering what it was asked. */
const fixed = (type: string, value: number) => {
  const asked: MetricQuery[] = [];
  const provider: MetricProvider = {
    type,
    names: () => [],
    measure: async (q) => {
      asked.push(q);
      return { metric: q.metric, value, sampleCount: 100 };
    },
  };
  return Object.assign(provider, { asked });
};
const query = (metric: string) => ({
  metric,
  route: 'shop',
  version: 'v2',
  windowMs: 60_000,
  now: new Date(0),
});
const promErrors: MetricTemplateSpec = {
  provider: { type: 'prometheus' },
  query: 'sum(rate(errors{service="{{ service }}"}[{{ interval }}]))',
  unit: '%',
};

describe('MetricRegistry', () => {
  it('reads a built-in by name from its provider, under the name the plan used', async () => {
    const builtin = fixed('builtin', 1);
    const registry = new MetricRegistry([builtin, fixed('events', 2)]);
    expect(await registry.measure(query('error_rate'))).toEqual({
      metric: 'error_rate',
      value: 1,
      sampleCount: 100,
    });
    expect(await registry.measure(query('request-success-rate'))).toMatchObject({
      metric: 'request-success-rate',
      value: 1,
    });
    expect(builtin.asked.map((q) => q.metric)).toEqual(['error_rate', 'success_rate']);
    expect(await registry.measure(query('bounce_rate'))).toMatchObject({ value: 2 });
    expect(registry.providerOf('bounce_rate')).toBe('events');
  });

  it('lets each plan say what a name reads, so a Prometheus error_rate and the router’s coexist', async () => {
    const prometheus = fixed('prometheus', 7);
    const registry = new MetricRegistry(
      [fixed('builtin', 1), prometheus],
      staticLookup({ 'prom-errors': promErrors }),
    );
    expect(await registry.measure(query('error_rate'), { error_rate: 'prom-errors' })).toMatchObject({
      value: 7,
    });
    expect(prometheus.asked[0]?.template).toEqual(promErrors);
    expect(await registry.measure(query('error_rate'))).toMatchObject({ value: 1 });
    const viaProm = await registry.check(['error_rate'], query('x'), {
      error_rate: { provider: 'prometheus' },
    });
    expect(viaProm.measurements[0]).toMatchObject({ value: 7 });
    expect(viaProm.queries.error_rate).toMatch(
      /^prometheus: 100 \* sum\(increase\(sluice_router_errors_total\{route="shop",version="v2"\}\[1m\]\)\)/,
    );
  });

  it('answers an unknown name, or a missing template, with an error measurement naming the known ones', async () => {
    const registry = new MetricRegistry([fixed('builtin', 1)], staticLookup({ 'prom-errors': promErrors }));
    const m = await registry.measure(query('error_rat'));
    expect(measurementSchema.parse(m)).toMatchObject({ metric: 'error_rat', value: null, sampleCount: 0 });
    expect(m.error).toMatch(/unknown metric "error_rat"; known: .*error_rate.*prom-errors/);
    const gone = await registry.measure(query('error_rate'), { error_rate: 'deleted' });
    expect(gone.error).toMatch(
      /names MetricTemplate "deleted", which does not exist; known templates: prom-errors/,
    );
  });

  it('says when a template reads a provider Sluice cannot ask, and when a provider throws', async () => {
    const broken: MetricProvider = {
      type: 'builtin',
      names: () => [],
      measure: async () => {
        throw new Error('boom');
      },
    };
    const registry = new MetricRegistry(
      [broken],
      staticLookup({ dd: { provider: { type: 'datadog' }, query: 'avg:x' } }),
    );
    expect(await registry.measure(query('error_rate'))).toEqual({
      metric: 'error_rate',
      value: null,
      sampleCount: 0,
      error: 'builtin provider failed: boom',
    });
    expect((await registry.measure(query('dd'))).error).toMatch(/reads datadog, which Sluice cannot ask/);
  });

  it('measures several metrics of one target, in the order asked', async () => {
    const registry = new MetricRegistry([fixed('builtin', 1), fixed('events', 2)]);
    const all = await registry.measureAll(['bounce_rate', 'nope', 'error_rate'], {
      version: 'v2',
      route: 'shop',
      windowMs: 60_000,
      now: new Date(0),
    });
    expect(all.map((m) => [m.metric, m.value])).toEqual([
      ['bounce_rate', 2],
      ['nope', null],
      ['error_rate', 1],
    ]);
  });

  it('refuses two providers of one type', () => {
    expect(() => new MetricRegistry([fixed('builtin', 1), fixed('builtin', 2)])).toThrow(
      /two metric providers/,
    );
  });
});
