import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { flagDefinitionFor, ruleToJsonLogic, targetingRulesToJsonLogic } from './flagd.js';
import { featureFlagConfigSchema } from './plan/strategy-schemas.js';
import { seedPlan } from './test-support/seed-plan.js';

const seedFlagConfig = featureFlagConfigSchema.parse(seedPlan.stages[1]?.config);

describe('targeting rules → JsonLogic', () => {
  it('translates operators', () => {
    expect(ruleToJsonLogic({ attribute: 'user_segment', operator: 'in', value: ['beta', 'staff'] })).toEqual({
      in: [{ var: 'user_segment' }, ['beta', 'staff']],
    });
    expect(ruleToJsonLogic({ attribute: 'country', operator: 'equals', value: 'ES' })).toEqual({
      '==': [{ var: 'country' }, 'ES'],
    });
    expect(ruleToJsonLogic({ attribute: 'email', operator: 'ends_with', value: '@acme.com' })).toEqual({
      ends_with: [{ var: 'email' }, '@acme.com'],
    });
    expect(ruleToJsonLogic({ attribute: 'app', operator: 'semver_greater_than', value: '2.0.0' })).toEqual({
      sem_ver: [{ var: 'app' }, '>', '2.0.0'],
    });
    expect(ruleToJsonLogic({ attribute: 'plan', operator: 'not_in', value: 'free' })).toEqual({
      '!': { in: [{ var: 'plan' }, ['free']] },
    });
  });

  it('puts rules before the fractional rollout', () => {
    expect(targetingRulesToJsonLogic(seedFlagConfig, 5)).toEqual({
      if: [
        { in: [{ var: 'user_segment' }, ['beta_testers', 'employees']] },
        'on',
        {
          fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'targetingKey' }] }, ['on', 5], ['off', 95]],
        },
      ],
    });
    expect(targetingRulesToJsonLogic({ ...seedFlagConfig, targeting_enabled: false }, 100)).toBe('on');
  });

  it('evaluates as intended in the real flagd evaluator', () => {
    const core = new FlagdCore();
    const flag = flagDefinitionFor(seedFlagConfig, 25);
    core.setConfigurations(JSON.stringify({ flags: { new_checkout_flow: flag } }));
    const beta = core.resolveBooleanEvaluation('new_checkout_flow', false, {
      user_segment: 'employees',
      targetingKey: 'u1',
    });
    expect(beta.value).toBe(true);
    let on = 0;
    for (let i = 0; i < 2000; i++) {
      if (core.resolveBooleanEvaluation('new_checkout_flow', false, { targetingKey: `user-${i}` }).value)
        on++;
    }
    // 25% of 2000 keys; flagd buckets by murmurhash, so allow sampling slack.
    expect(on).toBeGreaterThan(400);
    expect(on).toBeLessThan(600);
    const zero = new FlagdCore();
    zero.setConfigurations(JSON.stringify({ flags: { f: flagDefinitionFor(seedFlagConfig, 0) } }));
    expect(zero.resolveBooleanEvaluation('f', true, { targetingKey: 'someone' }).value).toBe(false);
  });
});
