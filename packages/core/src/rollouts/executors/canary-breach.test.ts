import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../analysis/index.js';
import { breachDecides, watchedStages } from '../machine/watch.js';
import { harness } from '../test-support/harness.js';

const plan = {
  name: 'web',
  version: '2.0.0',
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      config: {
        app_name: 'web',
        initial_weight: 10,
        increment: 10,
        max_weight: 50,
        interval_seconds: 30,
        thresholds: { error_rate: { max: 1, min_samples: 20 } },
      },
    },
  ],
};

/** An error-rate reading with its counts, as the builtin provider gives it. */
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

function atFirstStep() {
  const h = harness(plan);
  h.ok('deploy');
  h.ok('set_traffic');
  return h;
}

describe('canary between scheduled checks (breach)', () => {
  it('is watched only while a weight is live and a check is due', () => {
    const h = harness(plan);
    expect(watchedStages(h.state)).toEqual([]);
    h.ok('deploy');
    h.ok('set_traffic');
    expect(watchedStages(h.state)).toEqual([
      {
        stage: 'canary',
        attempt: 1,
        app: 'web',
        role: 'canary',
        thresholds: [{ metric: 'error_rate', max: 1, minSamples: 20 }],
        windowMs: 30_000,
      },
    ]);
  });

  it('rolls back at once on a decisive failure, recording the check', () => {
    const h = atFirstStep();
    const timersBefore = h.timers('canary').length;
    expect(timersBefore).toBe(1);
    expect(breachDecides(h.state, 'canary', errors(40, 40), 0, h.now + 500)).toBe(true);
    h.send({ type: 'breach', stage: 'canary', data: errors(40, 40) }, h.now + 500);
    expect(h.stage('canary').status).toBe('rolling_back');
    expect(h.state.status).toBe('rolling_back');
    expect(h.timers('canary')).toEqual([]);
    const check = h.last.transitions.find((t) => t.check)?.check;
    expect(check?.decision).toBe('fail');
    expect(check?.metrics[0]).toMatchObject({ metric: 'error_rate', verdict: 'fail', samples: 40 });
    expect(h.stage('canary').error).toMatch(/between scheduled checks/);
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 0, stable: 100 } });
  });

  it('changes nothing on a reading that is bad but not decisive, or good, or too small', () => {
    for (const data of [errors(1, 40), errors(2, 40), errors(5, 10), { measurements: [] }]) {
      const h = atFirstStep();
      const before = structuredClone(h.state);
      expect(breachDecides(h.state, 'canary', data, 0, h.now + 500)).toBe(false);
      h.send({ type: 'breach', stage: 'canary', data }, h.now + 500);
      expect(h.state).toEqual(before);
      expect(h.last.notes[0]).toMatch(/not decisive/);
    }
  });

  it('spends α on earlier fast looks: a borderline reading decisive at look 1 is not at look 500', () => {
    const h = atFirstStep();
    // some count of errors in 100 is past a 1 % bound with look 1's confidence, not with look 501's
    let flip: { events: number; total: number } | null = null;
    for (let events = 2; events < 30 && !flip; events++) {
      const d = errors(events, 100);
      if (breachDecides(h.state, 'canary', d, 0, h.now) && !breachDecides(h.state, 'canary', d, 500, h.now))
        flip = { events, total: 100 };
    }
    expect(flip).not.toBeNull();
  });

  it('is ignored while the run is paused or the stage is not running', () => {
    const h = atFirstStep();
    h.send({ type: 'pause' });
    h.send({ type: 'breach', stage: 'canary', data: errors(40, 40) });
    expect(h.state.status).toBe('paused');
    expect(h.last.notes[0]).toMatch(/not running/);
  });
});
