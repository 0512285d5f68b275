/**
 * The seed plan's checks decided the same way by the router's own figures (`builtin`) and by a
 * real Prometheus scraping the router's per-version `/metrics`: a healthy canary passes
 * `error_rate` ≤ 1 % and `latency_p95` ≤ 0.5 s both ways, a broken one (20 % errors, 0.7 s)
 * fails both ways. The Prometheus side reads the built-ins' PromQL, chosen by the plan's
 * `metric_templates: {error_rate: {provider: prometheus}, …}`.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { assess, normalizeThresholds } from '@sluice/core/analysis';
import { parsePlan } from '@sluice/core/rollouts';
import { createRouter, type Router } from '@sluice/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusInstalled, startPrometheus, type TestPrometheus } from '../test-support/prometheus.js';
import { BuiltinMetricProvider } from './providers/builtin.provider.js';
import { PrometheusMetricProvider } from './providers/prometheus.provider.js';
import { MetricRegistry } from './registry.js';

if (!prometheusInstalled())
  throw new Error('Prometheus is missing: apt-get install -y prometheus (.ci/run does)');

/** An upstream that fails every `failEvery`-th request and answers after `delayMs`. */
async function upstream(failEvery: number, delayMs: number) {
  let n = 0;
  const server = http.createServer((_req, res) => {
    n++;
    const fail = failEvery > 0 && n % failEvery === 0;
    setTimeout(() => {
      res.statusCode = fail ? 500 : 200;
      res.end('ok');
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** `n` requests through the router, `concurrency` at a time. */
async function load(base: string, n: number, concurrency = 20) {
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < n) {
        sent++;
        await (await fetch(base)).text();
      }
    }),
  );
}

// the seed plan: its metric gate holds error_rate ≤ 1 and latency_p95 ≤ 0.5, its canary error_rate ≤ 1
const seed = parsePlan(
  JSON.parse(
    readFileSync(
      new URL('../../../../examples/rollouts/progressive-deployment.json', import.meta.url),
      'utf8',
    ),
  ),
);
const stage = (name: string) => {
  const found = seed.stages.find((s) => s.name === name);
  if (!found) throw new Error(`the seed plan has no stage ${name}`);
  return found;
};
const gateThresholds = stage('deploy_backend').gates[0]?.thresholds as { latency_p95: number };
const canaryThresholds = (
  stage('frontend_canary').config as unknown as { thresholds: { error_rate: number } }
).thresholds;
const thresholds = normalizeThresholds({
  error_rate: canaryThresholds.error_rate,
  latency_p95: gateThresholds.latency_p95,
});

describe('the seed plan’s checks by builtin and by Prometheus scraping the router', () => {
  let router: Router;
  let good: Awaited<ReturnType<typeof upstream>>;
  let bad: Awaited<ReturnType<typeof upstream>>;
  let prometheus: TestPrometheus;
  let registry: MetricRegistry;
  let listen = '';

  beforeAll(async () => {
    good = await upstream(0, 5);
    bad = await upstream(5, 700);
    router = await createRouter({ listen: { port: 0 }, adminListen: { port: 0 } });
    await router.applyConfig({
      version: 1,
      routes: [
        {
          name: 'good',
          pathPrefix: '/good',
          versions: [{ name: 'canary', url: good.url }],
          weights: { canary: 100 },
        },
        {
          name: 'bad',
          pathPrefix: '/bad',
          versions: [{ name: 'canary', url: bad.url }],
          weights: { canary: 100 },
        },
      ],
    });
    const status = router.status();
    listen = `http://127.0.0.1:${status.listen?.port}`;
    prometheus = await startPrometheus([`127.0.0.1:${status.admin?.port}`]);
    // the series exist, low, before the load: increase() counts from the first sample it sees
    await Promise.all([load(`${listen}/good`, 5, 5), load(`${listen}/bad`, 5, 5)]);
    await prometheus.scraped();
    await Promise.all([load(`${listen}/good`, 300, 5), load(`${listen}/bad`, 300, 40)]);
    await prometheus.scraped();
    await prometheus.scraped();
    registry = new MetricRegistry([
      new BuiltinMetricProvider({ embedded: () => router.metrics, standalone: () => [] }),
      new PrometheusMetricProvider({ defaultAddress: prometheus.url }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await prometheus?.close();
    await router?.close();
    await good?.close();
    await bad?.close();
  });

  const decide = async (route: string, onPrometheus: boolean) => {
    const mapping = onPrometheus
      ? ({ error_rate: { provider: 'prometheus' }, latency_p95: { provider: 'prometheus' } } as const)
      : undefined;
    const { measurements, queries } = await registry.check(
      ['error_rate', 'latency_p95'],
      { route, version: 'canary', windowMs: 60_000, now: new Date() },
      mapping,
    );
    const verdict = assess(measurements, thresholds);
    return { verdict, measurements, queries };
  };

  it.each([
    ['good', 'pass'],
    ['bad', 'fail'],
  ])('%s canary: the same verdict on error_rate and latency_p95 both ways (%s)', async (route, expected) => {
    const builtin = await decide(route, false);
    const prom = await decide(route, true);
    expect(prom.queries.error_rate).toMatch(/^prometheus: 100 \* sum\(increase\(sluice_router_errors_total/);
    expect(builtin.queries.error_rate).toMatch(/^builtin: error_rate/);
    const context = JSON.stringify({ builtin: builtin.measurements, prometheus: prom.measurements });
    for (const m of prom.measurements) expect(m.error, context).toBeUndefined();
    expect(
      builtin.verdict.metrics.map((m) => [m.metric, m.verdict]),
      context,
    ).toEqual([
      ['error_rate', expected],
      ['latency_p95', expected],
    ]);
    expect(
      prom.verdict.metrics.map((m) => [m.metric, m.verdict]),
      context,
    ).toEqual(builtin.verdict.metrics.map((m) => [m.metric, m.verdict]));
  });
});
