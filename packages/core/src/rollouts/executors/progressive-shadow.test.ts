import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';

describe('progressive executor', () => {
  const plan = {
    name: 'p',
    version: '3.1.0',
    stages: [
      {
        name: 'steps',
        strategy: 'progressive',
        config: {
          app_name: 'api',
          steps: [
            { setWeight: 10 },
            { pause: { duration: '5m' } },
            { analysis: { metrics: ['error_rate'], thresholds: { error_rate: 1 }, window: '2m' } },
            { pause: {} },
            { setWeight: 50 },
          ],
        },
      },
    ],
  };

  it('follows explicit steps; an untimed pause waits for resume', () => {
    const h = harness(plan);
    h.ok('deploy');
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 10, stable: 90 } });
    h.ok('set_traffic');
    const before = h.now;
    h.fire('steps');
    expect(h.now - before).toBe(300_000);
    expect(h.pending('measure')).toMatchObject({ windowSeconds: 120 });
    h.measure({ error_rate: 0.1 });
    expect(h.stage('steps').waitingFor).toBe('paused at step 3: resume to continue');
    expect(Object.values(h.state.timers).filter((t) => t.stage === 'steps')).toHaveLength(0);
    h.send({ type: 'resume' });
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 50 } });
    h.ok('set_traffic');
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 100 } });
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.state.status).toBe('succeeded');
  });

  it('promote finishes the stage from a pause', () => {
    const h = harness(plan);
    h.ok('deploy');
    h.ok('set_traffic');
    h.send({ type: 'promote', subject: 'bob' });
    expect(h.stage('steps').promoted).toBe(true);
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 100 } });
    expect(Object.values(h.state.timers).filter((t) => t.stage === 'steps')).toHaveLength(0);
  });

  it('refuses promote while deploying', () => {
    const h = harness(plan);
    const r = h.send({ type: 'promote' });
    expect(r.notes[0]).toMatch(/cannot be promoted while running/);
    expect(h.stage('steps').promoted).toBe(false);
  });
});

describe('shadow executor', () => {
  const plan = {
    name: 's',
    version: '2.0.0',
    stages: [
      {
        name: 'mirror',
        strategy: 'shadow',
        config: {
          app_name: 'api',
          mirror_percent: 25,
          duration_minutes: 10,
          thresholds: { max_error_rate: 1, max_status_mismatch_rate: 0.5 },
        },
      },
    ],
  };

  it('mirrors, judges the shadow, then stops mirroring', () => {
    const h = harness(plan);
    h.ok('deploy');
    expect(h.pending('set_traffic')).toMatchObject({
      weights: { stable: 100, canary: 0 },
      mirrorPercent: 25,
    });
    h.ok('set_traffic');
    h.fire('mirror');
    const m = h.pending('measure');
    expect(m).toMatchObject({
      target: { app: 'api', role: 'shadow' },
      metrics: ['error_rate', 'status_mismatch_rate'],
    });
    h.measure({ error_rate: 0.1, status_mismatch_rate: 0.1 });
    expect(h.pending('set_traffic')).toMatchObject({ mirrorPercent: 0 });
    h.ok('set_traffic');
    expect(h.state.status).toBe('succeeded');
  });

  it('rolls back on status mismatches', () => {
    const h = harness(plan);
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('mirror');
    h.measure({ error_rate: 0.1, status_mismatch_rate: 4 });
    expect(h.stage('mirror').error).toContain('status_mismatch_rate = 4% is above 0.5%');
    h.ok('set_traffic');
    expect(h.pending('retire')).toMatchObject({ role: 'canary' });
    h.ok('retire');
    expect(h.state.status).toBe('rolled_back');
  });
});
