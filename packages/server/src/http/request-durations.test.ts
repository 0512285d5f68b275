import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestDurations } from './request-durations.js';

const BOUNDS = [0.001, 0.01, 0.1];

describe('RequestDurations', () => {
  it('prints the same exposition as a prom-client histogram fed the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const durations = new RequestDurations(BOUNDS).registerIn(ours);
    const reference = new Histogram({
      name: 'sluice_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: BOUNDS,
      registers: [theirs],
    });
    const observations: [string, string, number, number][] = [
      ['POST', '/ofrep/v1/evaluate/flags/:key', 200, 0.0004],
      ['POST', '/ofrep/v1/evaluate/flags/:key', 200, 0.001],
      ['POST', '/ofrep/v1/evaluate/flags/:key', 200, 0.05],
      ['POST', '/ofrep/v1/evaluate/flags/:key', 404, 2],
      ['GET', '/readyz', 200, 0.002],
    ];
    for (const [method, route, status, seconds] of observations) {
      durations.observe(method, route, status, seconds);
      reference.observe({ method, route, status: String(status) }, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // the JSON form too, but for prom-client's empty exemplar slots
    const withoutExemplars = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      metrics.map((m) => ({
        ...m,
        values: m.values.map((v) => {
          const { exemplar: _, ...rest } = v as typeof v & { exemplar?: unknown };
          return rest;
        }),
      }));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
  });

  it('hands out one series per label set, and reset zeroes every series', async () => {
    const durations = new RequestDurations(BOUNDS);
    const series = durations.series('POST', '/x', 200);
    expect(durations.series('POST', '/x', 200)).toBe(series);
    expect(durations.series('POST', '/x', 500)).not.toBe(series);
    series.observe(0.005);
    series.observe(Number.NaN); // not a duration: ignored rather than poisoning the sum
    expect(series.count).toBe(1);
    expect(series.sum).toBe(0.005);
    durations.reset();
    const { values } = await durations.get();
    expect(values.every((v) => v.value === 0)).toBe(true);
  });
});
