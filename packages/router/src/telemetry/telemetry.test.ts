import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPrometheus } from './prometheus.js';
import { RouterMetrics } from './registry.js';

const T0 = 1_700_000_000_000;

describe('sliding window metrics', () => {
  it('counts requests and errors (5xx and connection failures) per route and version', () => {
    const m = new RouterMetrics();
    m.record('api', 'v1', { status: 200, seconds: 0.01 }, T0);
    m.record('api', 'v1', { status: 503, seconds: 0.01 }, T0 + 10);
    m.record('api', 'v1', { status: 0, seconds: 0.01 }, T0 + 20);
    m.record('api', 'v1', { status: 404, seconds: 0.01 }, T0 + 30);
    m.record('api', 'v2', { status: 200, seconds: 0.01 }, T0 + 30);
    const w = m.window('api', 'v1', 60_000, T0 + 1_000);
    expect(w.requests).toBe(4);
    expect(w.errors).toBe(2);
    expect(w.errorRate).toBe(50);
    expect(m.window('api', 'v2', 60_000, T0 + 1_000).requests).toBe(1);
  });

  it('reports no data as null rather than zero', () => {
    const w = new RouterMetrics().window('api', 'v1', 60_000, T0);
    expect(w).toEqual({ requests: 0, errors: 0, errorRate: null, p50: null, p95: null, p99: null });
  });

  it('computes percentiles within the histogram precision', () => {
    const m = new RouterMetrics();
    // 1..1000 ms, one each: p50 ≈ 0.5 s, p95 ≈ 0.95 s, p99 ≈ 0.99 s.
    for (let i = 1; i <= 1000; i++) m.record('api', 'v1', { status: 200, seconds: i / 1000 }, T0 + i);
    const w = m.window('api', 'v1', 60_000, T0 + 2_000);
    expect(w.p50).toBeGreaterThan(0.5 * 0.9);
    expect(w.p50).toBeLessThan(0.5 * 1.1);
    expect(w.p95).toBeGreaterThan(0.95 * 0.9);
    expect(w.p95).toBeLessThan(0.95 * 1.1);
    expect(w.p99).toBeGreaterThan(0.99 * 0.9);
    expect(w.p99).toBeLessThan(0.99 * 1.1);
  });

  it('puts every percentile within 10% of the exact nearest-rank value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.0002, max: 60, noNaN: true }), { minLength: 1, maxLength: 400 }),
        (xs) => {
          const m = new RouterMetrics();
          for (const x of xs) m.record('api', 'v1', { status: 200, seconds: x }, T0);
          const w = m.window('api', 'v1', 60_000, T0);
          const sorted = [...xs].sort((a, b) => a - b);
          for (const [q, got] of [
            [0.5, w.p50],
            [0.95, w.p95],
            [0.99, w.p99],
          ] as const) {
            const exact = sorted[Math.ceil(q * sorted.length) - 1] ?? Number.NaN;
            expect(got).not.toBeNull();
            expect(Math.abs((got ?? 0) - exact) / exact).toBeLessThanOrEqual(0.1 + 1e-9);
          }
        },
      ),
    );
  });

  it('slides: old slots leave the window, and reused slots start empty', () => {
    const m = new RouterMetrics({ retentionMs: 10_000 });
    m.record('api', 'v1', { status: 500, seconds: 2 }, T0);
    m.record('api', 'v1', { status: 200, seconds: 0.001 }, T0 + 5_000);
    expect(m.window('api', 'v1', 10_000, T0 + 5_000).requests).toBe(2);
    expect(m.window('api', 'v1', 3_000, T0 + 5_000).requests).toBe(1);
    // Far enough later that the ring wrapped onto the first slots.
    m.record('api', 'v1', { status: 200, seconds: 0.001 }, T0 + 11_000);
    const later = m.window('api', 'v1', 10_000, T0 + 11_000);
    expect(later.requests).toBe(2);
    expect(later.errors).toBe(0);
    expect(later.p99).toBeLessThan(0.01);
  });

  it('counts status mismatches per shadow version over a sliding window', () => {
    const m = new RouterMetrics({ retentionMs: 10_000 });
    const c = (shadowStatus: number) => ({
      primaryStatus: 200,
      shadowStatus,
      primarySeconds: 0.1,
      shadowSeconds: 0.1,
    });
    m.compareMirror('api', 'v1', 'v2', c(500), T0);
    m.compareMirror('api', 'v1', 'v2', c(200), T0 + 1_000);
    m.compareMirror('api', 'v1', 'v2', c(404), T0 + 6_000);
    m.compareMirror('api', 'v1', 'v2', c(200), T0 + 6_000);
    expect(m.mirrorWindow('api', 'v2', 10_000, T0 + 6_000)).toEqual({ compared: 4, mismatches: 2 });
    expect(m.mirrorWindow('api', 'v2', 3_000, T0 + 6_000)).toEqual({ compared: 2, mismatches: 1 });
    expect(m.mirrorWindow('api', 'v1', 10_000, T0 + 6_000)).toEqual({ compared: 0, mismatches: 0 });
  });

  it('records mirror comparisons and skips', () => {
    const m = new RouterMetrics();
    m.compareMirror('api', 'v1', 'v2', {
      primaryStatus: 200,
      shadowStatus: 500,
      primarySeconds: 1,
      shadowSeconds: 2,
    });
    m.compareMirror('api', 'v1', 'v2', {
      primaryStatus: 200,
      shadowStatus: 200,
      primarySeconds: 1,
      shadowSeconds: 1,
    });
    m.skipMirror('api', 'v1', 'v2');
    expect(m.mirrorTotals()).toEqual([
      {
        route: 'api',
        primary: 'v1',
        shadow: 'v2',
        compared: 2,
        statusMismatches: 1,
        primarySecondsSum: 2,
        shadowSecondsSum: 3,
        skipped: 1,
      },
    ]);
  });
});

describe('pruning', () => {
  it('forgets versions that left the configuration once their window is empty', () => {
    const m = new RouterMetrics({ retentionMs: 10_000 });
    m.record('api', 'old', { status: 200, seconds: 0.01 }, T0);
    m.record('api', 'live', { status: 200, seconds: 0.01 }, T0);
    const isLive = (_route: string, version: string) => version === 'live';
    expect(m.prune(isLive, T0 + 5_000)).toBe(0);
    expect(m.window('api', 'old', 10_000, T0 + 5_000).requests).toBe(1);
    expect(m.prune(isLive, T0 + 20_000)).toBe(1);
    expect(m.totals().map((t) => t.version)).toEqual(['live']);
    // a version that comes back starts a series of its own
    m.record('api', 'old', { status: 200, seconds: 0.01 }, T0 + 21_000);
    expect(m.counts().find((c) => c.version === 'old')?.requests).toBe(1);
  });
});

describe('prometheus exposition', () => {
  it('writes counters, a cumulative histogram and gauges with escaped labels', async () => {
    const m = new RouterMetrics();
    m.record('api', 'v"1', { status: 200, seconds: 0.02 }, T0);
    m.record('api', 'v"1', { status: 502, seconds: 3 }, T0);
    const text = await renderPrometheus(m, [
      { name: 'sluice_router_config_version', help: 'Config version.', samples: [{ labels: {}, value: 7 }] },
    ]);
    expect(text).toContain('# TYPE sluice_router_requests_total counter');
    expect(text).toContain('sluice_router_requests_total{route="api",version="v\\"1"} 2');
    expect(text).toContain('sluice_router_errors_total{route="api",version="v\\"1"} 1');
    expect(text).toContain(
      'sluice_router_request_duration_seconds_bucket{route="api",version="v\\"1",le="0.01"} 0',
    );
    expect(text).toContain(
      'sluice_router_request_duration_seconds_bucket{route="api",version="v\\"1",le="0.025"} 1',
    );
    expect(text).toContain(
      'sluice_router_request_duration_seconds_bucket{route="api",version="v\\"1",le="5"} 2',
    );
    expect(text).toContain(
      'sluice_router_request_duration_seconds_bucket{route="api",version="v\\"1",le="+Inf"} 2',
    );
    expect(text).toContain('sluice_router_request_duration_seconds_count{route="api",version="v\\"1"} 2');
    expect(text).toContain('sluice_router_config_version 7');
    expect(text.endsWith('\n')).toBe(true);
  });
});
