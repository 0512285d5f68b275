import { describe, expect, it } from 'vitest';
import { harness } from '../rollouts/test-support/harness.js';
import { assess, decide, type Measurement, normalizeThresholds, policyOf, tally } from './index.js';

const rate = (events: number, total: number, metric = 'error_rate'): Measurement => ({
  metric,
  value: (events / total) * 100,
  sampleCount: total,
  evidence: { statistic: 'rate', version: { events, total } },
});
const t = normalizeThresholds({ error_rate: 1 });

describe('a check of one metric', () => {
  it('is inconclusive, never a pass, on no data, a provider error, NaN, an empty answer or too few samples', () => {
    const few = normalizeThresholds({ error_rate: { max: 1, min_samples: 50 } });
    const cases: [Measurement[], typeof t, RegExp][] = [
      [[], t, /no measurement/],
      [
        [
          {
            metric: 'error_rate',
            value: null,
            sampleCount: 0,
            error: 'connection refused',
            providerFailed: true,
          },
        ],
        t,
        /connection refused/,
      ],
      [[{ metric: 'error_rate', value: Number.NaN, sampleCount: 10 }], t, /no value/],
      [[{ metric: 'error_rate', value: null, sampleCount: 0, error: 'empty vector' }], t, /empty vector/],
      [
        [{ metric: 'error_rate', value: null, sampleCount: 0, error: 'several series (3), expected one' }],
        t,
        /several series/,
      ],
      [[rate(0, 49)], few, /49 samples, need 50/],
    ];
    for (const [ms, th, why] of cases) {
      const a = assess(ms, th);
      expect(a.verdict).toBe('inconclusive');
      expect(a.metrics[0]?.reason).toMatch(why);
    }
  });

  it('fails a counted rate only when the exact test says it is past the bound; close calls are inconclusive', () => {
    const bad = assess([rate(30, 1000)], t);
    expect(bad.verdict).toBe('fail');
    expect(bad.metrics[0]?.decisive).toBe(true);
    expect(bad.reasons[0]).toMatch(/^error_rate = 3% \(30 of 1,000\) is above 1% with 99.4% confidence/);
    const close = assess([rate(12, 1000)], t);
    expect(close.verdict).toBe('inconclusive');
    expect(close.reasons[0]).toMatch(/too close to call/);
    expect(assess([rate(5, 1000)], t).verdict).toBe('pass');
  });

  it('fails a conversion drop only when its interval lies past the bound', () => {
    const drop = normalizeThresholds({ conversion_rate_drop: 5 });
    const reading = (canary: number, baseline: number, n: number): Measurement => ({
      metric: 'conversion_rate_drop',
      value: ((baseline - canary) / baseline) * 100,
      sampleCount: n,
      evidence: {
        statistic: 'relative_drop',
        version: { events: canary, total: n },
        baseline: { events: baseline, total: n },
      },
    });
    // 100 views each, 34 against 40 conversions: a 15 % "drop" a plain ratio would fail on
    expect(assess([reading(34, 40, 100)], drop).verdict).toBe('inconclusive');
    expect(assess([reading(3200, 4000, 10_000)], drop).verdict).toBe('fail');
    expect(assess([reading(4010, 4000, 10_000)], drop).verdict).toBe('pass');
  });
});

describe('limits (after Argo Rollouts)', () => {
  const run = (
    policyInput: Parameters<typeof policyOf>[0],
    checks: Measurement[][],
    pastDeadline = false,
  ) => {
    const policy = policyOf(policyInput);
    let tallies = {};
    let last = decide({}, assess([], t), policy, false);
    for (const ms of checks) {
      const a = assess(ms, t, { policy });
      tallies = tally(tallies, a);
      last = decide(tallies, a, policy, pastDeadline);
    }
    return last;
  };
  const bad = [rate(50, 1000)];
  const unsure = [{ metric: 'error_rate', value: null, sampleCount: 0, error: 'no data' }];
  const down = [{ ...unsure[0], error: 'timeout', providerFailed: true } as Measurement];

  it('fails when failures exceed failure_limit, measuring again until then', () => {
    expect(run({}, [bad]).type).toBe('fail');
    expect(run({ failure_limit: 1 }, [bad]).type).toBe('retry');
    const d = run({ failure_limit: 1 }, [bad, bad]);
    expect(d).toMatchObject({ type: 'fail', limit: 'failure_limit 1' });
  });

  it('pauses or fails when inconclusive checks exceed inconclusive_limit', () => {
    expect(run({ inconclusive_limit: 1, on_inconclusive: 'pause' }, [unsure]).type).toBe('retry');
    expect(run({ inconclusive_limit: 1, on_inconclusive: 'pause' }, [unsure, unsure])).toMatchObject({
      type: 'pause',
      limit: 'inconclusive_limit 1',
    });
    expect(run({ inconclusive_limit: 0 }, [unsure]).type).toBe('fail');
    expect(run({}, [unsure], true)).toMatchObject({ type: 'fail', limit: 'deadline' });
  });

  it('fails after more provider errors in a row than consecutive_error_limit; an answer resets the run', () => {
    expect(run({}, [down, down, down, down]).type).toBe('retry');
    expect(run({}, [down, down, down, down, down])).toMatchObject({
      type: 'fail',
      limit: 'consecutive_error_limit 4',
    });
    expect(run({}, [down, down, down, unsure, down, down]).type).toBe('retry');
  });
});

describe('on_inconclusive: pause in a run', () => {
  it('pauses the run for a person and measures afresh on resume', () => {
    const h = harness({
      name: 'web',
      version: '2.0.0',
      stages: [
        {
          name: 'canary',
          strategy: 'canary',
          analysis: { inconclusive_limit: 1, on_inconclusive: 'pause' },
          config: {
            app_name: 'web',
            initial_weight: 10,
            increment: 90,
            interval_seconds: 60,
            thresholds: { error_rate: 1 },
          },
        },
      ],
    });
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: null });
    expect(h.state.status).toBe('running');
    h.fire('canary');
    h.measure({ error_rate: null });
    expect(h.state.status).toBe('paused');
    expect(h.state.reason).toMatch(/inconclusive 2 times, more than inconclusive_limit 1/);
    h.fire('canary'); // held while paused
    expect(h.hasPending('measure')).toBe(false);
    h.send({ type: 'resume' });
    h.measure({ error_rate: 0.1 });
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 100 } });
  });
});
