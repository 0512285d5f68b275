import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../errors/index.js';
import { parsePlan } from '../plan/parse.js';
import { T0 } from '../test-support/harness.js';
import { healthyReadings, healthySeedScenario, seedPlan } from '../test-support/seed-plan.js';
import { simulate } from './simulate.js';

const plan = parsePlan(seedPlan);
const healthy = healthyReadings;
const good = healthySeedScenario();

const stageMoves = (r: ReturnType<typeof simulate>) =>
  r.timeline.filter((t) => t.stage !== null && t.from !== t.to).map((t) => `${t.stage}:${t.from}->${t.to}`);

describe('simulate', () => {
  it('runs the seed example to success with good metrics and approvals', () => {
    const r = simulate(plan, good, { startAt: T0 });
    expect(r.status).toBe('succeeded');
    expect(stageMoves(r)).toEqual([
      'deploy_backend:pending->gating',
      'deploy_backend:gating->running',
      'deploy_backend:running->verifying',
      'deploy_backend:verifying->finishing',
      'deploy_backend:finishing->completed',
      'enable_feature_flag:pending->gating',
      'enable_feature_flag:gating->running',
      'enable_feature_flag:running->verifying',
      'enable_feature_flag:verifying->finishing',
      'enable_feature_flag:finishing->completed',
      'frontend_canary:pending->gating',
      'frontend_canary:gating->running',
      'frontend_canary:running->verifying',
      'frontend_canary:verifying->finishing',
      'frontend_canary:finishing->completed',
    ]);
    const flagWeights = r.timeline.filter(
      (t) => t.stage === 'enable_feature_flag' && t.reason.startsWith('weight'),
    );
    expect(flagWeights.map((t) => t.weights.enable_feature_flag)).toEqual([5, 25, 50, 100]);
    // 15h of flag stages + ~2h of canary: hours of plan, simulated in milliseconds.
    expect(r.endedAt - T0).toBeGreaterThan(17 * 3_600_000);
    expect(r.timeline.at(-1)).toMatchObject({ stage: null, to: 'succeeded' });
    expect(r.timeline.at(-1)?.weights).toEqual({
      deploy_backend: 100,
      enable_feature_flag: 100,
      frontend_canary: 100,
    });
  });

  it('rolls back every stage in reverse order when the canary error rate is bad', () => {
    const r = simulate(
      plan,
      {
        ...good,
        metrics: {
          ...good.metrics,
          frontend_canary: [
            { at: '0s', ...healthy },
            { at: '15h30m', ...healthy, error_rate: 4.2 },
          ],
        },
      },
      { startAt: T0 },
    );
    expect(r.status).toBe('rolled_back');
    const rollbacks = r.timeline
      .filter((t) => t.to === 'rolling_back' && t.stage !== null)
      .map((t) => t.stage);
    expect(rollbacks).toEqual(['frontend_canary', 'enable_feature_flag', 'deploy_backend']);
    expect(r.state.reason).toMatch(
      /frontend_canary failed: at \d+%: metrics failed: error_rate = 4.2% is above 1%/,
    );
    const restore = r.commands.find((c) => c.command.kind === 'restore_flag')?.command;
    expect(restore).toMatchObject({ toVersion: 4 });
    expect(r.timeline.at(-1)?.weights).toEqual({
      deploy_backend: 0,
      enable_feature_flag: 0,
      frontend_canary: 0,
    });
  });

  it('without approval waits visibly, then the watchdog ends the run', () => {
    const noApproval = { ...good, approvals: [] };
    const waiting = simulate(plan, { ...noApproval, until: '6h' }, { startAt: T0 });
    expect(waiting.status).toBe('running');
    expect(waiting.waitingFor).toEqual([
      'enable_feature_flag: approval from product_manager, engineering_lead',
    ]);
    expect(waiting.commands.some((c) => c.command.kind === 'set_flag')).toBe(false);

    const timedOut = simulate(plan, noApproval, { startAt: T0 });
    expect(timedOut.status).toBe('failed');
    expect(timedOut.state.reason).toBe('max_duration_hours (48h) exceeded');
    expect(timedOut.endedAt - T0).toBeGreaterThanOrEqual(48 * 3_600_000);
    expect(timedOut.timeline.filter((t) => t.to === 'rolling_back').map((t) => t.stage)).toEqual([
      null,
      'deploy_backend',
    ]);
  });

  it('never passes missing metrics: the gate stays inconclusive and times out', () => {
    const r = simulate(
      plan,
      { ...good, metrics: { deploy_backend: [{ at: '0s', error_rate: 0.1 }] } },
      { startAt: T0 },
    );
    expect(r.status).toBe('rolled_back');
    expect(r.state.stages.deploy_backend?.error).toBe(
      'metrics gate timed out after 15m: latency_p95: no measurement',
    );
    expect(r.state.stages.enable_feature_flag?.status).toBe('cancelled');
    expect(r.commands.filter((c) => c.command.kind === 'measure').length).toBeGreaterThan(5);
  });

  it('treats provider errors and null values as inconclusive too', () => {
    const samples: Record<string, string | number | null>[] = [
      { at: '0s', error: 'prometheus: 503' },
      { at: '0s', error_rate: null, latency_p95: null },
    ];
    for (const sample of samples) {
      const r = simulate(plan, { ...good, metrics: { deploy_backend: [sample] } }, { startAt: T0 });
      expect(r.status).toBe('rolled_back');
      expect(r.state.stages.enable_feature_flag?.status).toBe('cancelled');
    }
  });

  it('never completes a stage whose judged metrics are missing (property)', () => {
    const judged: Record<string, string[]> = {
      deploy_backend: ['error_rate', 'latency_p95'],
      enable_feature_flag: ['error_rate', 'latency_p95'],
      frontend_canary: ['error_rate', 'bounce_rate', 'conversion_rate_drop'],
    };
    const stages = Object.keys(judged);
    fc.assert(
      fc.property(
        fc.constantFrom(...stages),
        fc.nat(2),
        fc.constantFrom('missing', 'null', 'error', 'few'),
        (stage, pick, how) => {
          const names = judged[stage] ?? [];
          const dropped = names[pick % names.length] ?? '';
          const sample: Record<string, string | number | null> = { at: '0s', ...healthy };
          if (how === 'missing') delete sample[dropped];
          if (how === 'null') sample[dropped] = null;
          if (how === 'error') sample.error = 'provider down';
          if (how === 'few') sample.sample_count = 0;
          const r = simulate(
            plan,
            { ...good, metrics: { ...good.metrics, [stage]: [sample] } },
            { startAt: T0 },
          );
          expect(r.state.stages[stage]?.status).not.toBe('completed');
          expect(r.status).not.toBe('succeeded');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('scripts command failures and operator controls', () => {
    const failed = simulate(
      plan,
      { ...good, failures: [{ stage: 'deploy_backend', command: 'smoke_test' }] },
      { startAt: T0 },
    );
    expect(failed.status).toBe('rolled_back');
    expect(failed.state.stages.deploy_backend?.error).toBe('smoke tests failed: scripted failure');

    const flaky = simulate(
      plan,
      { ...good, failures: [{ stage: 'deploy_backend', command: 'health_check', times: 2 }] },
      { startAt: T0 },
    );
    expect(flaky.status).toBe('succeeded');

    const aborted = simulate(
      plan,
      { ...good, controls: [{ at: '2h', action: 'abort', reason: 'wrong build' }] },
      { startAt: T0 },
    );
    expect(aborted.status).toBe('aborted');
    expect(aborted.state.reason).toBe('wrong build');
  });

  it('reports playback time scaled by timeScale', () => {
    const r = simulate(plan, good, { startAt: T0, timeScale: 3600 });
    const last = r.timeline.at(-1);
    if (!last) throw new Error('empty timeline');
    expect(last.wallMs).toBeCloseTo((last.at - T0) / 3600);
    expect(last.elapsed).toMatch(/^\d+h/);
  });

  it('refuses a bad scenario with the path of the field', () => {
    try {
      simulate(plan, { metrics: { frontend_canary: [{ at: 'soon', error_rate: 1 }] } }, { startAt: T0 });
      expect.unreachable();
    } catch (e) {
      expect(isSluiceError(e, 'ROLLOUT_SCENARIO_INVALID')).toBe(true);
      if (isSluiceError(e)) expect(e.fields[0]?.path).toBe('metrics.frontend_canary[0].at');
    }
  });
});
