import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePlan, simulate } from '../../packages/core/src/rollouts/index.js';
import { seedPlan } from '../../packages/core/src/rollouts/test-support/seed-plan.js';

const here = (name: string) => new URL(name, import.meta.url);
const read = (name: string) => readFileSync(here(name), 'utf8');
const plan = parsePlan(JSON.parse(read('progressive-deployment.json')));
const run = (name: string) => simulate(plan, parse(read(name)), { startAt: Date.UTC(2026, 0, 5, 9) });

describe('rollout examples', () => {
  it('ships the seed plan unchanged, and it validates', () => {
    expect(JSON.parse(read('progressive-deployment.json'))).toEqual(seedPlan);
    expect(plan.stages.map((s) => s.name)).toEqual([
      'deploy_backend',
      'enable_feature_flag',
      'frontend_canary',
    ]);
  });

  it('healthy.scenario.yaml succeeds', () => {
    expect(run('healthy.scenario.yaml').status).toBe('succeeded');
  });

  it('bad-canary.scenario.yaml rolls back in reverse order', () => {
    const r = run('bad-canary.scenario.yaml');
    expect(r.status).toBe('rolled_back');
    expect(r.timeline.filter((t) => t.stage && t.to === 'rolling_back').map((t) => t.stage)).toEqual([
      'frontend_canary',
      'enable_feature_flag',
      'deploy_backend',
    ]);
  });

  it('awaiting-approval.scenario.yaml waits visibly and refuses self-approval', () => {
    const r = run('awaiting-approval.scenario.yaml');
    expect(r.status).toBe('running');
    expect(r.waitingFor).toEqual(['enable_feature_flag: approval from product_manager, engineering_lead']);
    expect(r.notes).toContain('ci-bot started this run and cannot approve it');
  });

  it('missing-metrics.scenario.yaml never passes the gate', () => {
    const r = run('missing-metrics.scenario.yaml');
    expect(r.status).toBe('rolled_back');
    expect(r.state.stages.deploy_backend?.error).toMatch(/^metrics gate timed out after 15m: /);
  });
});
