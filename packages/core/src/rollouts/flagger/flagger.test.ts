import { describe, expect, it } from 'vitest';
import { canaryWeight } from '../plan/canary-weight.js';
import { parsePlan } from '../plan/index.js';
import { flaggerCanarySpecSchema } from './canary-schema.js';
import { readLoadTest } from './load-test.js';
import { translateCanary } from './translate.js';

/** The seed's flagger-canary.yaml (examples/flagger/canary.yaml), spec as parsed, namespace kept. */
const SEED = {
  namespace: 'microservices',
  targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'microservices' },
  service: {
    port: 80,
    targetPort: 80,
    gateways: ['microservices-gateway'],
    hosts: ['microservices.example.com'],
  },
  analysis: {
    interval: '30s',
    threshold: 5,
    maxWeight: 50,
    stepWeight: 10,
    metrics: [
      { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '30s' },
      { name: 'request-duration', thresholdRange: { max: 0.5 }, interval: '30s' },
      { name: 'error-rate', thresholdRange: { max: 1 }, interval: '30s' },
    ],
    webhooks: [
      {
        name: 'load-test',
        url: 'http://load-tester.test/',
        timeout: '5s',
        metadata: { cmd: 'hey -z 1m -q 10 -c 2 http://microservices.example.com/' },
      },
    ],
  },
};

const translate = (spec: unknown, version = '2.0.0') =>
  translateCanary('microservices-canary', flaggerCanarySpecSchema.parse(spec), version);

describe('translateCanary', () => {
  it("walks the seed's canary 10, 20 … 50 % every 30 s, five failed checks rolling it back", () => {
    const t = translate(SEED);
    const plan = parsePlan(t.plan);
    expect(plan.version).toBe('2.0.0');
    const stage = plan.stages[0];
    if (stage?.strategy !== 'canary') throw new Error('expected a canary stage');
    expect(stage.config).toMatchObject({
      app_name: 'microservices',
      namespace: 'microservices',
      initial_weight: 10,
      increment: 10,
      max_weight: 50,
      interval_seconds: 30,
      monitor_duration_minutes: 0,
      thresholds: {
        'request-success-rate': { min: 99 },
        'request-duration': { max: 0.5 },
        'error-rate': { max: 1 },
      },
    });
    expect(stage.analysis).toMatchObject({ failure_limit: 4, on_inconclusive: 'fail' });
    expect(stage.analysis?.inconclusive_limit).toBeUndefined();
    expect(t.ignored).toEqual(['spec.service.port', 'spec.service.targetPort', 'spec.service.gateways']);
    expect(t.refused).toEqual([]);
    expect(t.loadTests).toEqual([
      {
        webhook: 'load-test',
        rps: 20,
        concurrency: 2,
        durationMs: 60_000,
        method: 'GET',
        url: 'http://microservices.example.com/',
        host: 'microservices.example.com',
        path: '/',
      },
    ]);
  });

  it('walks stepWeights as listed and maps templateRef metrics to their MetricTemplate', () => {
    const t = translate({
      targetRef: { name: 'web' },
      analysis: {
        interval: '1m',
        threshold: 2,
        maxWeight: 80,
        stepWeights: [1, 5, 25, 60],
        metrics: [
          {
            name: 'not-found',
            templateRef: { name: 'not-found-percentage', namespace: 'x' },
            thresholdRange: { max: 5 },
            interval: '2m',
          },
        ],
      },
    });
    const plan = parsePlan(t.plan);
    const stage = plan.stages[0];
    if (stage?.strategy !== 'canary') throw new Error('expected a canary stage');
    expect(stage.config).toMatchObject({
      weights: [1, 5, 25, 60],
      initial_weight: 1,
      max_weight: 60,
      interval_seconds: 60,
    });
    expect(stage.config.namespace).toBe('default');
    expect([0, 1, 2, 3, 4].map((k) => canaryWeight(stage.config, k))).toEqual([1, 5, 25, 60, 60]);
    expect(plan.metric_templates).toEqual({ 'not-found': 'not-found-percentage' });
    expect(t.ignored).toContain('spec.analysis.metrics[0].templateRef.namespace');
    expect(t.notes.join('\n')).toMatch(/maxWeight 80 is not used/);
    expect(t.notes.join('\n')).toMatch(/metrics\[0\]\.interval 2m/);
  });

  it("holds iterations without stepWeight (Flagger's blue/green) at one weight for that many checks", () => {
    const t = translate({
      targetRef: { name: 'web' },
      analysis: { interval: '30s', iterations: 4, metrics: [] },
    });
    const stage = parsePlan(t.plan).stages[0];
    if (stage?.strategy !== 'canary') throw new Error('expected a canary stage');
    expect(stage.config).toMatchObject({ initial_weight: 10, max_weight: 10, monitor_duration_minutes: 2 });
  });

  it('gives a slow canary the time its steps need (Flagger has no overall deadline)', () => {
    const t = translate({ targetRef: { name: 'web' }, analysis: { interval: '6h', stepWeight: 20 } });
    // 20, 40 … 100: five steps of 6 h, twice over
    expect(parsePlan(t.plan).max_duration_hours).toBe(60);
    expect(parsePlan(translate(SEED).plan).max_duration_hours).toBe(24);
  });

  it('makes a rollout webhook a check of the canary stage (1 on 2xx), its timeout capped at 60 s', () => {
    const t = translate({
      namespace: 'shop',
      targetRef: { name: 'web' },
      analysis: {
        stepWeight: 20,
        webhooks: [
          {
            name: 'acceptance',
            url: 'http://tests.example/run',
            timeout: '2m',
            metadata: { suite: 'smoke' },
          },
          { name: 'quick', type: 'rollout', url: 'https://tests.example/quick', timeout: '5s' },
        ],
      },
    });
    const plan = parsePlan(t.plan);
    const stage = plan.stages[0] as { config: { thresholds: Record<string, unknown> } };
    expect(stage.config.thresholds['webhook:acceptance']).toEqual({ min: 1, min_samples: 1 });
    expect(plan.metric_templates?.['webhook:acceptance']).toEqual({
      webhook: {
        canary: 'microservices-canary',
        namespace: 'shop',
        url: 'http://tests.example/run',
        timeout_seconds: 60,
        metadata: { suite: 'smoke' },
      },
    });
    expect(plan.metric_templates?.['webhook:quick']).toMatchObject({
      webhook: { timeout_seconds: 5, metadata: {} },
    });
    expect(t.notes.join('\n')).toMatch(/webhooks\[0\]\.timeout 2m: Sluice waits at most 1m/);
    expect(t.notes.join('\n')).not.toMatch(/not called/);
  });

  it('gives the other webhook types to the canary stage, to be called at their points', () => {
    const types = [
      'confirm-rollout',
      'pre-rollout',
      'confirm-traffic-increase',
      'confirm-promotion',
      'post-rollout',
      'rollback',
      'event',
    ] as const;
    const t = translate({
      namespace: 'shop',
      targetRef: { name: 'web' },
      analysis: {
        stepWeight: 20,
        webhooks: types.map((type) => ({
          name: `${type} hook`,
          type,
          url: `http://gate.example/${type}`,
          timeout: '10s',
          metadata: { type },
        })),
      },
    });
    const stage = parsePlan(t.plan).stages[0] as { config: { webhooks: unknown[] } };
    expect(stage.config.webhooks).toEqual(
      types.map((type) => ({
        type,
        name: `${type} hook`,
        canary: 'microservices-canary',
        namespace: 'shop',
        url: `http://gate.example/${type}`,
        timeout_seconds: 10,
        metadata: { type },
      })),
    );
    expect(parsePlan(t.plan).metric_templates).toBeUndefined();
    expect(t.notes.join('\n')).not.toMatch(/not called/);
  });

  it('lists unknown top-level and analysis fields as ignored', () => {
    const t = translate({
      targetRef: { name: 'web' },
      skipAnalysis: false,
      analysis: {
        stepWeight: 20,
        mirror: true,
        webhooks: [{ name: 'gate', type: 'confirm-promotion', url: 'http://gate.example/approve' }],
      },
    });
    expect(t.ignored).toEqual(['spec.skipAnalysis', 'spec.analysis.mirror']);
  });
});

describe('the Canary schema', () => {
  it('refuses min above max, a zero interval and a bad Service name, naming the field', () => {
    const bad = flaggerCanarySpecSchema.safeParse({
      targetRef: { name: 'Bad_Name' },
      analysis: {
        interval: '0s',
        stepWeight: 10,
        metrics: [{ name: 'x', thresholdRange: { min: 5, max: 1 } }],
      },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['analysis.interval', 'analysis.metrics.0.thresholdRange.min', 'targetRef.name']);
  });
});

describe('readLoadTest', () => {
  const hosts = ['microservices.example.com'];
  it('reads -n, -m and the default rate', () => {
    const r = readLoadTest('lt', 'hey -n 100 -c 5 -m POST http://microservices.example.com/api?x=1', hosts);
    expect(r).toEqual({
      ok: true,
      test: expect.objectContaining({
        requests: 100,
        concurrency: 5,
        rps: 50,
        method: 'POST',
        durationMs: 2000,
        path: '/api?x=1',
      }),
    });
  });

  it.each([
    ['hey -z 1m http://load-tester.test/', /load-tester\.test is not one of the canary's hosts/],
    ['curl -s http://microservices.example.com/', /only hey commands/],
    ['hey -z 1m http://microservices.example.com/; rm -rf /', /shell syntax/],
    ['hey -z 1m $(cat /etc/passwd) http://microservices.example.com/', /shell syntax/],
    ['hey -H x:y http://microservices.example.com/', /-H is not understood/],
    ['hey -q 100 -c 50 http://microservices.example.com/', /5000 requests per second, above 1000/],
    ['hey -z 2h http://microservices.example.com/', /at most 1h/],
    ['hey -z 1m https://microservices.example.com/', /use http/],
    ['hey -z 1m', /no URL/],
  ])('refuses %s, saying why', (cmd, why) => {
    const r = readLoadTest('lt', cmd, hosts);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.why).toMatch(why);
  });
});
