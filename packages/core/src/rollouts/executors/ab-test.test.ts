import { describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/parse.js';
import { abTestExecutor } from './ab-test.js';
import type { ExecContext } from './types.js';

const plan = parsePlan({
  name: 'x',
  version: '1',
  stages: [
    { name: 'exp', strategy: 'ab_test', config: { experiment: 'checkout', check_interval_minutes: 30 } },
  ],
});
const ctx = (now: number): ExecContext<'ab_test'> => ({
  runId: 'r',
  stage: plan.stages[0] as ExecContext<'ab_test'>['stage'],
  version: '1',
  attempt: 1,
  now,
});
const ok = (data: Record<string, unknown> = {}) => ({ ok: true, data });

describe('ab_test executor', () => {
  it('starts the experiment, waits while it keeps running, passes on ship and concludes with the winner', () => {
    const started = abTestExecutor.start(ctx(0));
    expect(started.emits).toEqual([
      { step: 'start', body: { kind: 'experiment', action: 'start', experiment: 'checkout' } },
    ]);
    const look = abTestExecutor.onResult(ctx(0), started.exec, 'start', ok());
    expect(look.emits[0]).toMatchObject({ step: 'verdict1', body: { action: 'verdict' } });
    const wait = abTestExecutor.onResult(
      ctx(0),
      look.exec,
      'verdict1',
      ok({ decision: 'keep_running', reason: '2 of 7 days' }),
    );
    expect(wait.emits).toEqual([
      { step: 'wait1', timer: { dueAt: 30 * 60_000, purpose: 'next look at the experiment' } },
    ]);
    expect(wait.waitingFor).toMatch(/2 of 7 days/);
    const again = abTestExecutor.onTimer(ctx(30 * 60_000), wait.exec, 'wait1');
    const ship = abTestExecutor.onResult(
      ctx(0),
      again.exec,
      'verdict2',
      ok({ decision: 'ship', arm: 'variant_a', reason: 'wins' }),
    );
    expect(ship.signal).toEqual({ type: 'acted' });
    expect(abTestExecutor.promotable(ship.exec)).toBe(true);
    const finish = abTestExecutor.finish(ctx(0), ship.exec);
    expect(finish.emits).toEqual([
      {
        step: 'conclude',
        body: { kind: 'experiment', action: 'conclude', experiment: 'checkout', arm: 'variant_a' },
      },
    ]);
    expect(abTestExecutor.onResult(ctx(0), finish.exec, 'conclude', ok()).signal).toEqual({
      type: 'completed',
    });
  });

  it('fails on stop, with the reason; rollback stops the experiment', () => {
    const started = abTestExecutor.start(ctx(0));
    const look = abTestExecutor.onResult(ctx(0), started.exec, 'start', ok());
    const stop = abTestExecutor.onResult(
      ctx(0),
      look.exec,
      'verdict1',
      ok({ decision: 'stop', reason: 'sample ratio mismatch' }),
    );
    expect(stop.signal).toEqual({
      type: 'failed',
      reason: 'experiment checkout says stop: sample ratio mismatch',
    });
    expect(abTestExecutor.rollback(ctx(0), stop.exec)).toEqual([
      { step: 'rollback/0', body: { kind: 'experiment', action: 'stop', experiment: 'checkout' } },
    ]);
    // a verdict that cannot be read is read again later, not a failure
    const unread = abTestExecutor.onResult(ctx(0), look.exec, 'verdict1', {
      ok: false,
      data: {},
      error: 'db down',
    });
    expect(unread.signal).toBeUndefined();
    expect(unread.emits[0]).toMatchObject({ step: 'wait1' });
  });
});
