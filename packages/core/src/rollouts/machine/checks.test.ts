import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { stageChecks } from './checks.js';

const canaryPlan = {
  name: 'web',
  version: '2.0.0',
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      config: {
        app_name: 'web',
        initial_weight: 5,
        increment: 45,
        max_weight: 50,
        interval_seconds: 60,
        monitor_duration_minutes: 1,
        thresholds: { error_rate: 1, bounce_rate: { max: 30, min_samples: 100 } },
      },
    },
  ],
};

function atFirstCheck() {
  const h = harness(canaryPlan);
  h.ok('deploy');
  h.ok('set_traffic');
  h.fire('canary');
  return h;
}

describe('stage checks', () => {
  it('records each metric: value or why not, bound, samples, verdict, and when it measures again', () => {
    const h = atFirstCheck();
    const measure = h.pending('measure');
    h.send({
      type: 'command_result',
      opId: measure.opId,
      ok: true,
      data: {
        measurements: [
          { metric: 'error_rate', value: 0.4, sampleCount: 40 },
          { metric: 'bounce_rate', value: null, sampleCount: 12, error: 'too few page views: 12' },
        ],
        queries: { error_rate: 'builtin error_rate of web/2.0.0' },
      },
    });
    const s = h.stage('canary');
    const retry = h.timers('canary')[0]?.[1];
    expect(retry?.purpose).toMatch(/measure again/);
    expect(s.checkedAt).toBe(h.now);
    expect(s.checks).toEqual([
      {
        metric: 'error_rate',
        query: 'builtin error_rate of web/2.0.0',
        window: '60s',
        value: 0.4,
        reason: 'error_rate = 0.4% is within at most 1%',
        threshold: { max: 1 },
        unit: '%',
        samples: 40,
        minSamples: 1,
        verdict: 'pass',
        nextAt: retry?.dueAt,
      },
      {
        metric: 'bounce_rate',
        query: null,
        window: '60s',
        value: null,
        reason: 'bounce_rate: too few page views: 12',
        threshold: { max: 30 },
        unit: '%',
        samples: 12,
        minSamples: 100,
        verdict: 'inconclusive',
        nextAt: retry?.dueAt,
      },
    ]);
    // inconclusive keeps trying until the step's deadline, which the stage shows
    const now = stageChecks(h.state, 'canary');
    expect(now.checks).toEqual(s.checks);
    expect(now.deadline).toBeGreaterThan(retry?.dueAt ?? Number.POSITIVE_INFINITY);
  });

  it('after a pass, points at the next step and drops the deadline', () => {
    const h = atFirstCheck();
    h.measure({ error_rate: 0.1, bounce_rate: 20 }, 'canary', 200);
    expect(stageChecks(h.state, 'canary')).toMatchObject({ deadline: null });
    // the pass moved the canary on: the next look is the next interval, once traffic shifted
    h.ok('set_traffic');
    expect(h.stage('canary').weight).toBe(50);
    const wait = h.timers('canary')[0]?.[1];
    const { checks } = stageChecks(h.state, 'canary');
    expect(checks.map((c) => [c.verdict, c.nextAt])).toEqual([
      ['pass', wait?.dueAt],
      ['pass', wait?.dueAt],
    ]);
  });

  it('after a failure says fail with the reason and no next time', () => {
    const h = atFirstCheck();
    h.measure({ error_rate: 53.846154, bounce_rate: 20 }, 'canary', 200);
    const check = h.stage('canary').checks?.[0];
    expect(check).toMatchObject({
      verdict: 'fail',
      reason: 'error_rate = 53.85% is above 1%',
      nextAt: null,
    });
  });

  it('records metric gates the same way, and a retry starts afresh', () => {
    const h = harness({
      name: 'web',
      version: '2.0.0',
      stages: [
        {
          name: 'web',
          strategy: 'blue_green',
          config: { app_name: 'web' },
          gates: [{ type: 'metric_based', metrics: ['latency_p95'], thresholds: { latency_p95: 0.5 } }],
          rollback_on_failure: false,
        },
      ],
    });
    h.ok('deploy');
    h.ok('health_check');
    h.ok('set_traffic');
    h.measure({ latency_p95: 0.73456 });
    const s = h.stage('web');
    expect(s.status).toBe('failed');
    expect(s.checks?.[0]).toMatchObject({
      metric: 'latency_p95',
      unit: 's',
      verdict: 'fail',
      reason: 'latency_p95 = 0.735s is above 0.5s',
    });
    h.send({ type: 'retry', stage: 'web' });
    expect(h.stage('web').checks).toBeUndefined();
  });
});
