import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { seedPlan } from '../test-support/seed-plan.js';

const flagStage = structuredClone(seedPlan.stages[1]) as Record<string, unknown>;
const plan = (extra: Record<string, unknown> = {}) => ({
  name: 'flag',
  version: '2.0.0',
  stages: [{ ...flagStage, gates: [], dependencies: [], ...extra }],
});

describe('feature-flag executor', () => {
  it('walks rollout_stages, verifying each, with flagd targeting', () => {
    const h = harness(plan());
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const set = h.pending('set_flag');
      if (set.kind !== 'set_flag') throw new Error('expected set_flag');
      seen.push(set.percentage);
      expect(set.flag.defaultVariant).toBe('off');
      expect(JSON.stringify(set.flag.targeting)).toContain('beta_testers');
      h.ok('set_flag', { previousVersion: 7 });
      h.fire('enable_feature_flag');
      const m = h.pending('measure');
      if (m.kind !== 'measure') throw new Error('expected measure');
      expect(m.target).toEqual({ flagKey: 'new_checkout_flow' });
      expect(m.metrics).toEqual(['error_rate', 'latency_p95']);
      h.measure({ error_rate: 0.1, latency_p95: 0.2 });
    }
    expect(seen).toEqual([5, 25, 50, 100]);
    expect(h.state.status).toBe('succeeded');
  });

  it('restores the flag version from before the stage on failure', () => {
    const h = harness(plan());
    h.ok('set_flag', { previousVersion: 7 });
    h.fire('enable_feature_flag');
    h.measure({ error_rate: 0.1, latency_p95: 0.2 });
    h.ok('set_flag', { previousVersion: 8 });
    h.fire('enable_feature_flag');
    h.measure({ error_rate: 1.9, latency_p95: 0.2 }); // max_error_rate at 25% is 1.5
    expect(h.pending('restore_flag')).toMatchObject({ flagKey: 'new_checkout_flow', toVersion: 7 });
    h.ok('restore_flag');
    expect(h.state.status).toBe('rolled_back');
  });

  it('restores "no flag" when the flag did not exist', () => {
    const h = harness(plan());
    h.ok('set_flag', { previousVersion: null });
    h.send({ type: 'abort', reason: 'changed our minds' });
    expect(h.pending('restore_flag')).toMatchObject({ toVersion: null });
  });

  it('fails closed when the runtime does not report the prior version', () => {
    const h = harness(plan({ rollback_on_failure: false }));
    h.ok('set_flag', {});
    expect(h.stage('enable_feature_flag').error).toContain('previousVersion');
    expect(h.state.status).toBe('blocked');
  });

  it('keeps the original prior version across a retry', () => {
    const h = harness(plan({ rollback_on_failure: false }));
    h.ok('set_flag', { previousVersion: 3 });
    h.fire('enable_feature_flag');
    h.measure({ error_rate: 5, latency_p95: 0.2 });
    expect(h.state.status).toBe('blocked');
    h.send({ type: 'retry', stage: 'enable_feature_flag' });
    expect(h.stage('enable_feature_flag').attempt).toBe(2);
    h.ok('set_flag', { previousVersion: 4 });
    h.send({ type: 'abort' });
    expect(h.pending('restore_flag')).toMatchObject({ toVersion: 3 });
  });

  it('sets the initial percentage once when the rollout is not progressive', () => {
    const h = harness(plan({ config: { flag_key: 'simple', initial_percentage: 20 } }));
    expect(h.pending('set_flag')).toMatchObject({ percentage: 20 });
    h.ok('set_flag', { previousVersion: null });
    h.fire('enable_feature_flag');
    expect(h.state.status).toBe('succeeded');
  });
});
