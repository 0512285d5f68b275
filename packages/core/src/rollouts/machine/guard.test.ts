import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../analysis/index.js';
import { validatePlan } from '../plan/parse.js';
import { harness } from '../test-support/harness.js';

/** The seed's auto-rollback: error rate > 5 %, for 300 s, checked every 30 s. */
const plan = (guard: Record<string, unknown> = {}) => ({
  name: 'web',
  version: '2.0.0',
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      config: {
        app_name: 'web',
        initial_weight: 50,
        increment: 50,
        max_weight: 50,
        interval_seconds: 30,
        monitor_duration_minutes: 0,
        thresholds: { error_rate: 1 },
      },
    },
  ],
  guard: { metrics: { error_rate: { max: 5, min_samples: 20 } }, duration_seconds: 300, ...guard },
});

const errors = (events: number, total: number): { measurements: Measurement[] } => ({
  measurements: [
    {
      metric: 'error_rate',
      value: (events / total) * 100,
      sampleCount: total,
      evidence: { statistic: 'rate', version: { events, total } },
    },
  ],
});

/** Walks the canary to 100 % with the old version retired: the guard starts. */
function released(guard?: Record<string, unknown>) {
  const h = harness(plan(guard));
  h.ok('deploy');
  h.ok('set_traffic');
  h.fire('canary');
  h.measure({ error_rate: 0.1 });
  h.ok('set_traffic');
  h.ok('retire');
  return h;
}

describe('post-release guard', () => {
  it('keeps watching after 100 %, then succeeds when its time is up', () => {
    const h = released();
    expect(h.stage('canary').status).toBe('completed');
    expect(h.state.status).toBe('running');
    expect(h.state.guard).toMatchObject({ app: 'web', ticks: 1 });
    const started = h.now;
    let checks = 0;
    while (h.state.status === 'running') {
      h.fire();
      const m = h.pending('measure');
      expect(m).toMatchObject({ stage: null, target: { app: 'web', role: 'canary' }, windowSeconds: 30 });
      h.ok('measure', errors(1, 200));
      checks += 1;
    }
    expect(h.state.status).toBe('succeeded');
    expect(checks).toBe(10);
    expect(h.now - started).toBe(300_000);
    expect(h.state.guard?.checks?.[0]).toMatchObject({ metric: 'error_rate', verdict: 'pass', unit: '%' });
  });

  it('rolls back to the previous release on a breach, recorded in the run history', () => {
    const h = released();
    h.fire();
    h.ok('measure', errors(1, 200));
    h.fire();
    h.ok('measure', errors(60, 200));
    expect(h.state.status).toBe('rolling_back');
    const check = h.last.transitions.find((t) => t.check)?.check;
    expect(check).toMatchObject({ decision: 'fail', metrics: [{ metric: 'error_rate', verdict: 'fail' }] });
    expect(h.last.transitions.some((t) => t.reason === 'guard check: fail')).toBe(true);
    // the old version was retired at 100 %: it comes back, takes all traffic, the new one goes
    expect(h.pending('deploy')).toMatchObject({ role: 'stable', app: 'web' });
    h.ok('deploy');
    expect(h.pending('set_traffic')).toMatchObject({ weights: { stable: 100, canary: 0 } });
    h.ok('set_traffic');
    expect(h.pending('retire')).toMatchObject({ role: 'canary' });
    h.ok('retire');
    expect(h.state.status).toBe('rolled_back');
    expect(h.state.reason).toMatch(/post-release guard on web: metrics failed: error_rate/);
  });

  it('does not roll back on readings that are inconclusive to the end (no traffic)', () => {
    const h = released({ duration_seconds: 60 });
    while (h.state.status === 'running') {
      h.fire();
      h.ok('measure', { measurements: [{ metric: 'error_rate', value: null, sampleCount: 0 }] });
    }
    expect(h.state.status).toBe('succeeded');
  });

  it('is refused without a service to watch, or with one the plan does not deliver', () => {
    const bad = validatePlan({ ...plan(), guard: { ...plan().guard, app_name: 'nope' } });
    expect(bad.ok ? [] : bad.errors).toEqual([
      { path: 'guard.app_name', message: '`nope` is not delivered by this plan (its services: web)' },
    ]);
    const empty = validatePlan({ ...plan(), guard: { metrics: {}, duration_seconds: 0 } });
    expect(empty.ok ? [] : empty.errors.map((e) => e.path)).toEqual([
      'guard.metrics',
      'guard.duration_seconds',
    ]);
  });
});
