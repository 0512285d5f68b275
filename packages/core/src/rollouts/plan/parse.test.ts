import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../errors/index.js';
import { seedPlan } from '../test-support/seed-plan.js';
import { topoOrder } from './dag.js';
import { gatePhase } from './gate-schema.js';
import { parsePlan, validatePlan } from './parse.js';

const clone = <T>(v: T): T => structuredClone(v);
type Loose = {
  stages: { gates: Record<string, unknown>[]; dependencies: string[]; config: Record<string, unknown> }[];
};
const loose = (): Loose => structuredClone(seedPlan) as unknown as Loose;

function errorsOf(input: unknown) {
  const r = validatePlan(input);
  if (r.ok) throw new Error('expected the plan to be invalid');
  return r.errors;
}

describe('plan parsing', () => {
  it('accepts the seed example unchanged and does not mutate it', () => {
    const input = clone(seedPlan);
    const plan = parsePlan(input);
    expect(input).toEqual(seedPlan);
    expect(plan.name).toBe('Multi-Stage Feature Release');
    expect(plan.stages.map((s) => s.strategy)).toEqual(['blue_green', 'feature_flag', 'canary']);
    const canary = plan.stages[2];
    if (canary?.strategy !== 'canary') throw new Error('expected canary');
    expect(canary.config.interval_seconds).toBe(600);
    expect(canary.rollback_on_failure).toBe(true);
    const bg = plan.stages[0];
    if (bg?.strategy !== 'blue_green') throw new Error('expected blue_green');
    expect(bg.config.health_check.retries).toBe(5);
    expect(bg.config.smoke_tests[1]).toEqual({
      endpoint: '/api/v2/status',
      expected_status: 200,
      method: 'GET',
      timeout_seconds: 5,
    });
  });

  it('refuses unknown keys with a did-you-mean hint at the exact path', () => {
    const input = clone(seedPlan) as Record<string, unknown> & { stages: Record<string, unknown>[] };
    (input.stages[2]?.config as Record<string, unknown>).intial_weight = 5;
    (input.stages[0] as Record<string, unknown>).dependncies = [];
    input.parallel_stage = true;
    const errors = errorsOf(input);
    expect(errors).toContainEqual({
      path: 'stages[2].config.intial_weight',
      message: 'unknown key `intial_weight`; did you mean `initial_weight`?',
    });
    expect(errors).toContainEqual({
      path: 'stages[0].dependncies',
      message: 'unknown key `dependncies`; did you mean `dependencies`?',
    });
    expect(errors).toContainEqual({
      path: 'parallel_stage',
      message: 'unknown key `parallel_stage`; did you mean `parallel_stages`?',
    });
  });

  it('hints at the right strategy-specific keys', () => {
    const input = clone(seedPlan);
    (input.stages[1]?.config as Record<string, unknown>).rollout_stage = [];
    expect(errorsOf(input)).toContainEqual({
      path: 'stages[1].config.rollout_stage',
      message: 'unknown key `rollout_stage`; did you mean `rollout_stages`?',
    });
  });

  it('names a misspelt strategy and a bad gate type', () => {
    const input = clone(seedPlan) as { stages: Record<string, unknown>[] };
    (input.stages[2] as Record<string, unknown>).strategy = 'canery';
    const errors = errorsOf(input);
    expect(errors[0]?.path).toBe('stages[2].strategy');
    expect(errors[0]?.message).toContain('did you mean `canary`?');

    const gate = loose();
    const firstGate = gate.stages[0]?.gates[0];
    if (firstGate) firstGate.type = 'metric';
    const gateErrors = errorsOf(gate);
    expect(gateErrors[0]?.path).toBe('stages[0].gates[0].type');
    expect(gateErrors[0]?.message).toContain('did you mean `metric_based`?');
  });

  it('reports missing required fields and bad values with their paths', () => {
    const input = clone(seedPlan) as { version?: string; stages: { config: Record<string, unknown> }[] };
    delete input.version;
    const canaryConfig = input.stages[2]?.config;
    if (canaryConfig) canaryConfig.initial_weight = 150;
    const errors = errorsOf(input);
    expect(errors).toContainEqual({ path: 'version', message: 'is required' });
    expect(errors.find((e) => e.path === 'stages[2].config.initial_weight')?.message).toMatch(/100/);
  });

  it('checks dependencies: unknown stages and cycles', () => {
    const unknown = loose();
    unknown.stages[2]?.dependencies.splice(0, 1, 'enable_featur_flag');
    expect(errorsOf(unknown)).toContainEqual({
      path: 'stages[2].dependencies[0]',
      message: 'unknown stage `enable_featur_flag`; did you mean `enable_feature_flag`?',
    });

    const cyclic = clone(seedPlan) as { stages: { dependencies?: string[] }[] };
    const first = cyclic.stages[0];
    if (first) first.dependencies = ['frontend_canary'];
    const errors = errorsOf(cyclic);
    expect(errors).toContainEqual({
      path: 'stages[0].dependencies',
      message: 'dependency cycle: deploy_backend -> enable_feature_flag -> frontend_canary -> deploy_backend',
    });
  });

  it('prints a two-stage cycle as a -> b -> a', () => {
    const errors = errorsOf({
      name: 'x',
      version: '1',
      stages: [
        { name: 'a', strategy: 'canary', config: { app_name: 'web' }, dependencies: ['b'] },
        { name: 'b', strategy: 'canary', config: { app_name: 'web' }, dependencies: ['a'] },
      ],
    });
    expect(errors.map((e) => e.message)).toContain('dependency cycle: a -> b -> a');
  });

  it('throws ROLLOUT_PLAN_INVALID with every field', () => {
    try {
      parsePlan({ name: '', version: '1', stages: [] });
      expect.unreachable();
    } catch (e) {
      expect(isSluiceError(e, 'ROLLOUT_PLAN_INVALID')).toBe(true);
      if (!isSluiceError(e)) throw e;
      expect(e.status).toBe(400);
      expect(e.fields.map((f) => f.path).sort()).toEqual(['name', 'stages']);
    }
  });

  it('refuses duplicate names; ab_test stages name an experiment', () => {
    const errors = errorsOf({
      name: 'x',
      version: '1',
      stages: [
        { name: 'a', strategy: 'ab_test', config: { experiment: 'checkout' } },
        { name: 'a', strategy: 'canary', config: { app_name: 'web' } },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual(['stages[1].name']);
    const noKey = errorsOf({
      name: 'x',
      version: '1',
      stages: [{ name: 'a', strategy: 'ab_test', config: {} }],
    });
    expect(noKey.map((e) => e.path)).toEqual(['stages[0].config.experiment']);
  });

  it('validates gates: manual needs approvers, scheduled a time, time zones are real', () => {
    const plan = (gates: unknown[]) => ({
      name: 'x',
      version: '1',
      stages: [{ name: 'a', strategy: 'canary', config: { app_name: 'web' }, gates }],
    });
    expect(errorsOf(plan([{ type: 'manual' }]))[0]?.path).toBe('stages[0].gates[0].required_approvers');
    expect(errorsOf(plan([{ type: 'scheduled' }]))[0]?.path).toBe('stages[0].gates[0].schedule');
    const tz = errorsOf(
      plan([{ type: 'scheduled', schedule: { start: '09:00', end: '16:00', timezone: 'Mars/Base' } }]),
    );
    expect(tz[0]?.path).toBe('stages[0].gates[0].schedule.timezone');
  });

  it('orders stages topologically and places gates by type', () => {
    const plan = parsePlan(seedPlan);
    expect(topoOrder(plan.stages)).toEqual(['deploy_backend', 'enable_feature_flag', 'frontend_canary']);
    const [metricGate] = plan.stages[0]?.gates ?? [];
    const [manualGate] = plan.stages[1]?.gates ?? [];
    if (!metricGate || !manualGate) throw new Error('expected gates');
    expect(gatePhase(metricGate)).toBe('exit');
    expect(gatePhase(manualGate)).toBe('entry');
    expect(gatePhase({ ...manualGate, when: 'after' })).toBe('exit');
  });

  it('refuses a plan that cannot finish within max_duration_hours', () => {
    // The seed needs 15h of flag stages + ~1h of canary steps + 1h of monitoring.
    const tight = { ...clone(seedPlan), max_duration_hours: 12 };
    expect(errorsOf(tight)).toEqual([
      { path: 'max_duration_hours', message: 'the stages need at least 17h10m30s, more than 12h' },
    ]);
  });

  it('parses progressive and shadow stages', () => {
    const plan = parsePlan({
      name: 'p',
      version: '3',
      parallel_stages: true,
      stages: [
        {
          name: 'mirror',
          strategy: 'shadow',
          config: { app_name: 'api', mirror_percent: 50, thresholds: { max_status_mismatch_rate: 0.5 } },
        },
        {
          name: 'steps',
          strategy: 'progressive',
          config: {
            app_name: 'api',
            steps: [
              { setWeight: 10 },
              { pause: { duration: '5m' } },
              { analysis: { thresholds: { error_rate: 1 } } },
              { pause: {} },
            ],
          },
        },
      ],
    });
    expect(plan.stages).toHaveLength(2);
    expect(
      errorsOf({
        name: 'p',
        version: '1',
        stages: [{ name: 's', strategy: 'shadow', config: { app_name: 'api', thresholds: {} } }],
      })[0]?.path,
    ).toBe('stages[0].config.thresholds');
  });
});
