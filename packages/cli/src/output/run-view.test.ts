import { describe, expect, it } from 'vitest';
import { type CheckView, type RunView, renderRun } from './run-view.js';

const T = Date.parse('2026-03-02T10:00:00Z');
const at = (ms: number) => new Date(T + ms).toISOString();

const check = (over: Partial<CheckView>): CheckView => ({
  metric: 'error_rate',
  query: 'builtin: error_rate of web-frontend@2.0.0',
  window: '30s',
  value: 0.4,
  reason: 'error_rate = 0.4% within range',
  threshold: { max: 1 },
  unit: '%',
  samples: 40,
  minSamples: 1,
  verdict: 'pass',
  nextAt: at(8_000),
  ...over,
});

function run(stage: Partial<RunView['stages'][number]>): RunView {
  return {
    id: 'run-1',
    rollout: 'web',
    environment: 'production',
    status: 'running',
    reason: null,
    startedBy: 'admin',
    startedAt: at(-60_000),
    waitingFor: [],
    stages: [
      {
        name: 'frontend_canary',
        strategy: 'canary',
        status: 'running',
        weight: 5,
        attempt: 1,
        dependencies: [],
        waitingFor: 'metrics inconclusive',
        error: null,
        checkedAt: at(-2_000),
        checkDeadline: null,
        ...stage,
      },
    ],
  };
}

describe('renderRun', () => {
  it('says, for an inconclusive step, each metric, its value or why none, the bound, and what comes next when', () => {
    const text = renderRun(
      run({
        checks: [
          check({}),
          check({
            metric: 'bounce_rate',
            value: null,
            reason: 'bounce_rate: too few page views: 12 in the window, need 100',
            threshold: { max: 30 },
            samples: 12,
            minSamples: 100,
            verdict: 'inconclusive',
          }),
        ],
        checkDeadline: at(95_000),
      }),
      T,
    );
    expect(text).toMatch(/✓ error_rate\s+0\.4%\s+≤ 1%\s+40 samples\n/);
    expect(text).toMatch(
      /\? bounce_rate\s+no value\s+≤ 30%\s+12\/100 samples\s+bounce_rate: too few page views: 12 in the window, need 100/,
    );
    expect(text).toMatch(/checks \(30s window at \d\d:\d\d:\d\d\):/);
    expect(text).toMatch(
      /next: measuring again at \d\d:\d\d:\d\d \(in 8s\); fails at \d\d:\d\d:\d\d \(in 1m35s\) if still inconclusive/,
    );
  });

  it('shows the failed reading of a failed stage, and no next step', () => {
    const text = renderRun(
      run({
        status: 'failed',
        waitingFor: null,
        error: 'at 5%: metrics failed: error_rate = 53.85% is above 1%',
        checks: [
          check({
            value: 53.846154,
            verdict: 'fail',
            reason: 'error_rate = 53.85% is above 1%',
            nextAt: null,
          }),
        ],
      }),
      T,
    );
    expect(text).toMatch(/✗ error_rate\s+53\.85%\s+≤ 1%\s+40 samples\s+error_rate = 53\.85% is above 1%/);
    expect(text).not.toContain('next:');
  });

  it('leaves out the countdown without a clock, and the checks of stages that are done', () => {
    const live = renderRun(run({ checks: [check({})] }));
    expect(live).toMatch(/next: next check at \d\d:\d\d:\d\d\n/);
    const done = renderRun(run({ status: 'completed', waitingFor: null, checks: [check({ nextAt: null })] }));
    expect(done).not.toContain('checks (');
  });
});
