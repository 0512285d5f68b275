/** A plan's metrics are checked at apply: unknown names, missing templates, impossible ranges, units. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';

const seedPlan = () =>
  JSON.parse(
    readFileSync(
      new URL('../../../../../examples/rollouts/progressive-deployment.json', import.meta.url),
      'utf8',
    ),
  );

const canaryPlan = (thresholds: unknown, extra: Record<string, unknown> = {}) => ({
  name: 'web canary',
  version: '2.0.0',
  ...extra,
  stages: [
    {
      name: 'frontend_canary',
      strategy: 'canary',
      config: {
        app_name: 'web-frontend',
        initial_weight: 5,
        increment: 15,
        max_weight: 100,
        interval_seconds: 60,
        thresholds,
      },
    },
  ],
});

describe('plan metrics at apply', () => {
  let t: TestServer;
  const apply = (doc: unknown) => t.request('POST', '/api/v1/apply', { body: { documents: [doc] } });
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => t?.close());

  it('takes the seed plan: every metric it names is a built-in', async () => {
    const res = await apply(seedPlan());
    expect(res.status, res.text).toBe(200);
    expect(JSON.stringify(res.body)).not.toMatch(/unit|unknown metric/);
  });

  it('refuses an unknown metric, naming the stage, the metric and the known names', async () => {
    const res = await apply(canaryPlan({ error_rate: 1, checkout_latency: 0.5 }));
    expect(res.status).toBe(400);
    const field = res.body.errors.find((e: { path: string }) => e.path.includes('checkout_latency'));
    expect(field.path).toBe('documents[0].spec.stages[0].config.thresholds.checkout_latency');
    expect(field.message).toMatch(
      /stage "frontend_canary": unknown metric "checkout_latency"; known: .*error_rate.*latency_p95/,
    );
  });

  it('reads a MetricTemplate the plan maps a name to, and refuses a mapping to one that does not exist', async () => {
    const missing = await apply(
      canaryPlan({ error_rate: 1 }, { metric_templates: { error_rate: 'prom-errors' } }),
    );
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.errors)).toMatch(
      /MetricTemplate \\"prom-errors\\", which does not exist/,
    );
    const template = {
      kind: 'MetricTemplate',
      metadata: { name: 'prom-errors' },
      spec: {
        provider: { type: 'prometheus' },
        query: 'sum(rate(errors{job="{{ service }}"}[{{ interval }}]))',
        unit: '%',
      },
    };
    const both = await t.request('POST', '/api/v1/apply', {
      body: {
        documents: [
          canaryPlan({ error_rate: 1 }, { metric_templates: { error_rate: 'prom-errors' } }),
          template,
        ],
      },
    });
    expect(both.status, both.text).toBe(200);
    // a template of that name is found without a mapping too
    expect((await apply(canaryPlan({ 'prom-errors': 1 }))).status).toBe(200);
  });

  it('refuses a range no value can pass and a zero interval, naming the field', async () => {
    const range = await apply(canaryPlan({ error_rate: { min: 5, max: 1 } }));
    expect(range.status).toBe(400);
    expect(JSON.stringify(range.body.errors)).toMatch(/thresholds\.error_rate\.min.*min is above max/);
    const split = await apply(canaryPlan({ min_success_rate: 99, max_success_rate: 90 }));
    expect(JSON.stringify(split.body.errors)).toMatch(/thresholds\.min_success_rate.*min 99 is above max 90/);
    const plan = canaryPlan({ error_rate: 1 });
    (plan.stages[0] as { config: Record<string, unknown> }).config.interval_seconds = 0;
    const zero = await apply(plan);
    expect(zero.status).toBe(400);
    expect(JSON.stringify(zero.body.errors)).toMatch(/interval_seconds/);
  });

  it('warns when a threshold on a metric in seconds looks like milliseconds', async () => {
    const res = await apply(canaryPlan({ 'request-duration': 500, latency_p95: 0.5 }));
    expect(res.status, res.text).toBe(200);
    const warnings: string[] = res.body.results[0].warnings;
    expect(warnings.filter((w) => /milliseconds/.test(w))).toEqual([
      expect.stringMatching(
        /request-duration is in seconds .*threshold of 500 means 500 s.*did you mean 0\.5\?/,
      ),
    ]);
  });

  it('takes a shadow stage judged on status mismatches', async () => {
    const res = await apply({
      name: 'shadow',
      version: '2.0.0',
      stages: [
        {
          name: 'mirror',
          strategy: 'shadow',
          config: { app_name: 'api-service', thresholds: { max_status_mismatch_rate: 1 } },
        },
      ],
    });
    expect(res.status, res.text).toBe(200);
  });
});
