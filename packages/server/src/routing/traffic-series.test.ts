import { RouterMetrics } from '@sluice/router';
import { describe, expect, it } from 'vitest';
import { MAX_POINTS, trafficSeries } from './traffic-series.js';

const T0 = Date.parse('2026-01-01T00:10:00.000Z');

describe('traffic series', () => {
  it('turns the router’s window into per-version points: rate, error rate, latency', () => {
    const metrics = new RouterMetrics({ retentionMs: 600_000 });
    // 30 s ago: 20 requests to v1 (2 errors), now: 10 to v2
    for (let i = 0; i < 20; i++)
      metrics.record('web', 'v1', { status: i < 2 ? 500 : 200, seconds: 0.05 }, T0 - 30_000);
    for (let i = 0; i < 10; i++) metrics.record('web', 'v2', { status: 200, seconds: 0.2 }, T0 - 1);
    const source = {
      status: () => ({
        routes: [
          {
            name: 'web',
            host: 'web.localhost',
            pathPrefix: '/',
            mirror: null,
            sticky: false,
            versions: [
              { name: 'v1', url: 'http://a', weight: 90, effectiveWeight: 90, healthy: true },
              { name: 'v2', url: 'http://b', weight: 10, effectiveWeight: 10, healthy: true },
            ],
          },
        ],
      }),
      window: metrics.window.bind(metrics),
      retentionMs: metrics.retentionMs,
    };
    const out = trafficSeries(source, 60_000, 10_000, T0);
    const [v1, v2] = out.routes?.[0]?.versions ?? [];
    expect(v1?.points).toHaveLength(6);
    const busy = v1?.points.find((p) => p.rate > 0);
    expect(busy).toMatchObject({ rate: 2, errorRate: 10 });
    expect(busy?.p95).toBeCloseTo(0.05, 1);
    expect(v2?.points.at(-1)).toMatchObject({ rate: 1, errorRate: 0 });
    expect(v1?.points.filter((p) => p.rate === 0).every((p) => p.errorRate === null && p.p95 === null)).toBe(
      true,
    );
  });

  it('never returns more than MAX_POINTS points, nor reads past what the router keeps', () => {
    const metrics = new RouterMetrics({ retentionMs: 600_000 });
    const source = {
      status: () => ({
        routes: [
          {
            name: 'r',
            host: null,
            pathPrefix: '/',
            mirror: null,
            sticky: false,
            versions: [{ name: 'v', url: 'u', weight: 100, effectiveWeight: 100, healthy: true }],
          },
        ],
      }),
      window: metrics.window.bind(metrics),
      retentionMs: metrics.retentionMs,
    };
    const out = trafficSeries(source, 86_400_000, 1_000, T0);
    expect(out.windowMs).toBe(600_000);
    expect(out.routes?.[0]?.versions[0]?.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(trafficSeries(null, 600_000, 30_000, T0).routes).toBeNull();
  });
});
