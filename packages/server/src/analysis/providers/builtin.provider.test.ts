/**
 * The builtin provider: the contract suite over the router's own metrics class, then real
 * standalone routers (their admin `/versions` on loopback) summed with the embedded one.
 */
import http from 'node:http';
import { createRouter, type Router, RouterMetrics } from '@sluice/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinMetricProvider } from './builtin.provider.js';
import { metricProviderContract } from './provider.case.js';
import type { StandaloneRouterInfo } from './router-sources.js';

const NOW = Date.parse('2026-05-01T12:00:00.000Z');

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function record(metrics: RouterMetrics, version: string, n: number, errors: number, seconds: number) {
  for (let i = 0; i < n; i++)
    metrics.record('shop', version, { status: i < errors ? 503 : 200, seconds }, NOW - 1_000 - i);
}

/** `n` mirrored requests to `shadow`, `mismatches` of them answered with another status. */
function compare(metrics: RouterMetrics, shadow: string, n: number, mismatches: number) {
  for (let i = 0; i < n; i++)
    metrics.compareMirror(
      'shop',
      'stable',
      shadow,
      {
        primaryStatus: 200,
        shadowStatus: i < mismatches ? 500 : 200,
        primarySeconds: 0.1,
        shadowSeconds: 0.1,
      },
      NOW - 1_000 - i,
    );
}

metricProviderContract(
  'builtin',
  async () => {
    const metrics = new RouterMetrics();
    let embedded: RouterMetrics | null = metrics;
    let standalone: StandaloneRouterInfo[] = [];
    const provider = new BuiltinMetricProvider({ embedded: () => embedded, standalone: () => standalone });
    return {
      provider,
      query: (metric) => ({ metric, route: 'shop', version: 'canary', windowMs: 60_000, now: new Date(NOW) }),
      async feedTooFew() {
        record(metrics, 'canary', provider.minRequests - 1, 1, 0.05);
        compare(metrics, 'canary', provider.minRequests - 1, 1);
      },
      async feedEnough() {
        record(metrics, 'canary', 40, 4, 0.1);
        compare(metrics, 'canary', 40, 6);
        return {
          error_rate: 10,
          success_rate: 90,
          latency_p95: 0.1,
          latency_p99: 0.1,
          status_mismatch_rate: 15,
        };
      },
      async breakBackend() {
        embedded = null;
        const port = await closedPort();
        standalone = [
          { routerId: 'edge', adminUrl: `http://127.0.0.1:${port}`, lastSeen: new Date(NOW).toISOString() },
        ];
      },
      close: async () => {},
    };
  },
  0.1 * 0.06, // latency bins are log-scale, ±5 %
);

/** An upstream answering 500 to every `failEvery`-th request. */
async function upstream(failEvery: number) {
  let n = 0;
  const server = http.createServer((_req, res) => {
    n++;
    res.statusCode = failEvery > 0 && n % failEvery === 0 ? 500 : 200;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('builtin provider with standalone routers', () => {
  let edge: Router;
  let origin: Awaited<ReturnType<typeof upstream>>;
  let adminUrl: string;
  const embedded = new RouterMetrics();
  let deadPort: number;

  beforeAll(async () => {
    origin = await upstream(4); // every 4th request fails: 25 %
    edge = await createRouter({ listen: { port: 0 }, adminListen: { port: 0 } });
    await edge.applyConfig({
      version: 1,
      routes: [
        {
          name: 'shop',
          pathPrefix: '/',
          versions: [{ name: 'canary', url: origin.url }],
          weights: { canary: 100 },
        },
      ],
    });
    const { listen, admin } = edge.status();
    adminUrl = `http://127.0.0.1:${admin?.port}`;
    for (let i = 0; i < 40; i++) await (await fetch(`http://127.0.0.1:${listen?.port}/`)).text();
    deadPort = await closedPort();
  });
  afterAll(async () => {
    await edge?.close();
    await origin?.close();
  });

  const provider = (standalone: StandaloneRouterInfo[], withEmbedded = true) =>
    new BuiltinMetricProvider({
      embedded: () => (withEmbedded ? embedded : null),
      standalone: () => standalone,
    });
  const fresh = () => new Date().toISOString();
  const query = (metric: string) => ({
    metric,
    route: 'shop',
    version: 'canary',
    windowMs: 60_000,
    now: new Date(),
  });

  it('reads a standalone router through its admin /versions', async () => {
    const m = await provider([{ routerId: 'edge-1', adminUrl, lastSeen: fresh() }], false).measure(
      query('error_rate'),
    );
    expect(m).toEqual({ metric: 'error_rate', value: 25, sampleCount: 40 });
  });

  it('sums the embedded router and standalone routers', async () => {
    const now = Date.now();
    for (let i = 0; i < 60; i++) embedded.record('shop', 'canary', { status: 200, seconds: 0.01 }, now - 500);
    const m = await provider([{ routerId: 'edge-1', adminUrl, lastSeen: fresh() }]).measure(
      query('error_rate'),
    );
    expect(m).toEqual({ metric: 'error_rate', value: 10, sampleCount: 100 }); // 10 errors of 100
    const p95 = await provider([{ routerId: 'edge-1', adminUrl, lastSeen: fresh() }]).measure(
      query('latency_p95'),
    );
    expect(p95.sampleCount).toBe(100);
    expect(p95.error).toBeUndefined();
    // percentiles do not add up: the combined p95 is the request-weighted mean of the routers' own
    const report = (await (await fetch(`${adminUrl}/versions`)).json()) as {
      versions: { window: { p95: number } }[];
    };
    const edgeP95 = report.versions[0]?.window.p95 as number;
    const embeddedP95 = embedded.window('shop', 'canary', 60_000, Date.now()).p95 as number;
    expect(p95.value).toBeCloseTo((60 * embeddedP95 + 40 * edgeP95) / 100, 5);
  });

  it('reports an unreachable router in the measurement, keeping the others’ figure, never passing', async () => {
    const m = await provider([
      { routerId: 'edge-1', adminUrl, lastSeen: fresh() },
      { routerId: 'edge-dead', adminUrl: `http://127.0.0.1:${deadPort}`, lastSeen: fresh() },
    ]).measure(query('error_rate'));
    expect(m.value).toBe(10);
    expect(m.error).toMatch(/router edge-dead unreachable/);
  });

  it('skips routers whose heartbeat is stale or who gave no admin URL', async () => {
    const stale = new Date(Date.now() - 120_000).toISOString();
    const m = await provider([
      { routerId: 'edge-old', adminUrl: `http://127.0.0.1:${deadPort}`, lastSeen: stale },
      { routerId: 'edge-quiet', adminUrl: null, lastSeen: fresh() },
    ]).measure(query('error_rate'));
    expect(m).toEqual({ metric: 'error_rate', value: 0, sampleCount: 60 });
  });

  it('is inconclusive when no router reports at all, or the route is missing or the window too long', async () => {
    const none = await provider([], false).measure(query('error_rate'));
    expect(none).toMatchObject({ value: null, sampleCount: 0, error: expect.stringMatching(/no router/) });
    const noRoute = await provider([]).measure({ ...query('error_rate'), route: undefined });
    expect(noRoute.error).toMatch(/need the route/);
    const long = await provider([]).measure({ ...query('error_rate'), windowMs: 3_600_000 });
    expect(long).toMatchObject({ value: null, error: expect.stringMatching(/window/) });
  });

  it('reads a version the router never saw as zero requests: inconclusive', async () => {
    const m = await provider([{ routerId: 'edge-1', adminUrl, lastSeen: fresh() }], false).measure({
      ...query('latency_p95'),
      version: 'nobody',
    });
    expect(m).toMatchObject({
      value: null,
      sampleCount: 0,
      error: expect.stringMatching(/too few requests/),
    });
  });
});
