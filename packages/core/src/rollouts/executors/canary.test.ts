import { describe, expect, it } from 'vitest';
import type { Command } from '../commands.js';
import { harness } from '../test-support/harness.js';
import { canaryWeight } from './canary.js';

const plan = (config: Record<string, unknown> = {}) => ({
  name: 'web',
  version: '2.0.0',
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      config: {
        app_name: 'web',
        initial_weight: 5,
        increment: 15,
        max_weight: 50,
        interval_seconds: 60,
        monitor_duration_minutes: 2,
        thresholds: { error_rate: 1 },
        ...config,
      },
    },
  ],
});

const weights = (log: Command[]) => log.flatMap((c) => (c.kind === 'set_traffic' ? [c.weights.canary] : []));

describe('canary executor', () => {
  it('computes min(initial + k·increment, max)', () => {
    const cfg = { initial_weight: 5, increment: 15, max_weight: 50 };
    expect([0, 1, 2, 3, 4].map((k) => canaryWeight(cfg, k))).toEqual([5, 20, 35, 50, 50]);
  });

  it('steps each interval with a check, monitors at max, then promotes and retires the old', () => {
    const h = harness(plan());
    expect(h.pending('deploy').kind).toBe('deploy');
    h.ok('deploy');
    for (const w of [5, 20, 35, 50]) {
      h.ok('set_traffic');
      expect(h.stage('canary').weight).toBe(w);
      h.fire('canary');
      const m = h.pending('measure');
      if (m.kind !== 'measure') throw new Error('expected measure');
      expect(m.thresholds).toEqual([{ metric: 'error_rate', max: 1, minSamples: 1 }]);
      expect(m.windowSeconds).toBe(60);
      h.measure({ error_rate: 0.2 });
    }
    // At max weight: monitor for 2 minutes, a check each interval.
    expect(h.stage('canary').status).toBe('running');
    h.fire('canary');
    h.measure({ error_rate: 0.2 });
    expect(h.stage('canary').status).toBe('finishing');
    h.ok('set_traffic');
    expect(h.pending('retire')).toMatchObject({ role: 'stable', app: 'web' });
    h.ok('retire');
    expect(h.state.status).toBe('succeeded');
    expect(weights(h.log)).toEqual([5, 20, 35, 50, 100]);
    expect(h.stage('canary').weight).toBe(100);
  });

  it('rolls back to weight 0 and retires the canary when a check fails', () => {
    const h = harness(plan());
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 3 });
    expect(h.stage('canary').status).toBe('rolling_back');
    expect(h.stage('canary').error).toContain('error_rate = 3% is above 1%');
    expect(h.pending('set_traffic')).toMatchObject({ weights: { stable: 100, canary: 0 } });
    h.ok('set_traffic');
    expect(h.pending('retire')).toMatchObject({ role: 'canary', version: '2.0.0' });
    h.ok('retire');
    expect(h.state.status).toBe('rolled_back');
    expect(h.stage('canary').weight).toBe(0);
  });

  it('measures again on inconclusive data and fails once the step times out', () => {
    const h = harness(plan({ interval_seconds: 600 }));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    const firstAt = h.now;
    h.measure({ error_rate: null });
    expect(h.stage('canary').status).toBe('running');
    expect(h.stage('canary').waitingFor).toBe('metrics inconclusive');
    let rounds = 0;
    while (h.stage('canary').status === 'running') {
      h.fire('canary');
      h.measure({});
      rounds++;
    }
    expect(rounds).toBe(10);
    expect(h.now - firstAt).toBe(600_000);
    expect(h.stage('canary').error).toContain('inconclusive');
    expect(h.state.status).toBe('rolling_back');
  });

  it('does not measure when there is nothing to judge', () => {
    const h = harness(plan({ thresholds: {}, max_weight: 20 }));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.ok('set_traffic');
    expect(h.log.some((c) => c.kind === 'measure')).toBe(false);
  });
});
