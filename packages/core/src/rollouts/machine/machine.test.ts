import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../errors/index.js';
import { parseEvent } from '../events.js';
import { parsePlan } from '../plan/parse.js';
import { newRun, waitingFor } from '../state.js';
import { harness, T0 } from '../test-support/harness.js';
import { seedPlan } from '../test-support/seed-plan.js';
import { type HistoryEntry, replay, startRun, transition } from './transition.js';

const canary = (name: string, dependencies: string[] = [], extra: Record<string, unknown> = {}) => ({
  name,
  strategy: 'canary',
  dependencies,
  config: {
    app_name: name,
    initial_weight: 50,
    increment: 50,
    interval_seconds: 60,
    monitor_duration_minutes: 0,
  },
  ...extra,
});

/** Drive one canary stage (50% → 100%) through to completion. */
function completeCanary(h: ReturnType<typeof harness>, name: string) {
  h.ok('deploy', {}, name);
  h.ok('set_traffic', {}, name);
  h.fire(name);
  h.ok('set_traffic', {}, name);
  h.fire(name);
  h.ok('retire', {}, name);
}

describe('the state machine', () => {
  it('is deterministic: the same events give the same commands and op ids', () => {
    const plan = parsePlan(seedPlan);
    const a = startRun(plan, { runId: 'run-1', startedBy: 'ci' }, T0);
    const b = startRun(plan, { runId: 'run-1', startedBy: 'ci' }, T0);
    expect(b).toEqual(a);
    expect(a.commands.map((c) => c.opId)).toEqual([
      'run-1/run/watchdog/schedule_timer',
      'run-1/notify/1',
      'run-1/deploy_backend#1/deploy/deploy',
    ]);
    expect(a.state.schemaVersion).toBe(1);
    const watchdog = a.commands[0];
    expect(watchdog?.kind === 'schedule_timer' && watchdog.dueAt).toBe(T0 + 48 * 3_600_000);
  });

  it('ignores a replayed result, an unknown op and a cancelled timer', () => {
    const h = harness({ name: 'x', version: '2', stages: [canary('web')] });
    const deploy = h.pending('deploy');
    h.send({ type: 'command_result', opId: deploy.opId, ok: true });
    const before = h.state;
    const again = h.send({ type: 'command_result', opId: deploy.opId, ok: true });
    expect(again.commands).toEqual([]);
    expect(again.notes[0]).toMatch(/result ignored/);
    expect(again.state).toEqual(before);
    expect(h.send({ type: 'timer_fired', timerId: 'r1/web#1/nope' }).notes[0]).toMatch(/not set/);
  });

  it('replays a stored history into the same state', () => {
    const plan = parsePlan({ name: 'x', version: '2', stages: [canary('web')] });
    const history: HistoryEntry[] = [{ at: T0, event: { type: 'run_started', startedBy: 'ci' } }];
    let state = replay('r', plan, history);
    const deploy = Object.keys(state.pending)[0] ?? '';
    history.push({ at: T0 + 5000, event: { type: 'command_result', opId: deploy, ok: true } });
    state = transition(state, history[1]?.event ?? { type: 'watchdog' }, T0 + 5000).state;
    expect(replay('r', plan, history)).toEqual(state);
    expect(state.stages.web?.waitingFor).toBe('shifting 50% of traffic to 2');
  });

  it('does not mutate the state it is given', () => {
    const plan = parsePlan({ name: 'x', version: '2', stages: [canary('web')] });
    const first = startRun(plan, { runId: 'r', startedBy: 'a' }, T0);
    const snapshot = structuredClone(first.state);
    transition(first.state, { type: 'abort' }, T0 + 1);
    expect(first.state).toEqual(snapshot);
  });

  it('runs sequential stages one at a time in topological order', () => {
    const h = harness({ name: 'x', version: '2', stages: [canary('b', ['a']), canary('a'), canary('c')] });
    expect(h.state.order).toEqual(['a', 'b', 'c']);
    expect(h.stage('a').status).toBe('running');
    expect(h.stage('c').status).toBe('pending');
    completeCanary(h, 'a');
    expect(h.stage('b').status).toBe('running');
    expect(h.stage('c').status).toBe('pending');
    completeCanary(h, 'b');
    completeCanary(h, 'c');
    expect(h.state.status).toBe('succeeded');
  });

  it('runs independent stages concurrently when parallel_stages is set', () => {
    const h = harness({
      name: 'x',
      version: '2',
      parallel_stages: true,
      stages: [canary('a'), canary('b'), canary('c', ['a', 'b'])],
    });
    expect(h.stage('a').status).toBe('running');
    expect(h.stage('b').status).toBe('running');
    expect(h.stage('c').status).toBe('pending');
    completeCanary(h, 'a');
    expect(h.stage('c').status).toBe('pending');
    completeCanary(h, 'b');
    expect(h.stage('c').status).toBe('running');
  });

  it('rolls back the failed stage and completed ones in reverse topological order', () => {
    const h = harness({
      name: 'x',
      version: '2',
      stages: [
        canary('a'),
        canary('b', ['a']),
        canary('c', ['b'], { config: { app_name: 'c', thresholds: { error_rate: 1 } } }),
      ],
    });
    completeCanary(h, 'a');
    completeCanary(h, 'b');
    h.ok('deploy', {}, 'c');
    h.ok('set_traffic', {}, 'c');
    h.fire('c');
    h.measure({ error_rate: 9 }, 'c');
    const order: string[] = [];
    while (h.state.status === 'rolling_back') {
      const next = h.log.find((c) => h.state.pending[c.opId]);
      if (!next || next.stage === null) break;
      if (!order.includes(next.stage)) order.push(next.stage);
      h.send({ type: 'command_result', opId: next.opId, ok: true });
    }
    expect(order).toEqual(['c', 'b', 'a']);
    expect(h.state.status).toBe('rolled_back');
    expect(Object.values(h.state.stages).map((s) => s.weight)).toEqual([0, 0, 0]);
    // a and b were fully promoted (old retired), so their rollback first restores the old version.
    expect(h.log.filter((c) => c.kind === 'deploy' && c.role === 'stable').map((c) => c.stage)).toEqual([
      'b',
      'a',
    ]);
  });

  it('narrows the rollback to rollback_stages', () => {
    const h = harness({
      name: 'x',
      version: '2',
      stages: [canary('a'), canary('b', ['a']), canary('c', ['b'], { rollback_stages: ['a'] })],
    });
    completeCanary(h, 'a');
    completeCanary(h, 'b');
    h.fail('deploy', 'image pull failed', 'c');
    while (h.state.status === 'rolling_back') {
      const next = h.log.find((c) => h.state.pending[c.opId]);
      if (!next) break;
      h.send({ type: 'command_result', opId: next.opId, ok: true });
    }
    expect(h.stage('a').status).toBe('rolled_back');
    expect(h.stage('b').status).toBe('completed');
    expect(h.stage('c').status).toBe('rolled_back');
  });

  it('marks the run failed when a rollback command fails', () => {
    const h = harness({ name: 'x', version: '2', stages: [canary('a')] });
    h.fail('deploy', 'no capacity');
    h.fail('set_traffic', 'router unreachable');
    h.ok('retire');
    expect(h.state.status).toBe('failed');
    expect(h.state.reason).toMatch(/rollback failed for a: set_traffic: router unreachable/);
  });

  it('blocks on failure without rollback, then retry runs the stage again with new op ids', () => {
    const h = harness({ name: 'x', version: '2', stages: [canary('a', [], { rollback_on_failure: false })] });
    const firstDeploy = h.pending('deploy').opId;
    h.fail('deploy');
    expect(h.state.status).toBe('blocked');
    expect(waitingFor(h.state)[0]).toMatch(/stage a failed: deploy failed: boom; retry the stage/);
    h.send({ type: 'retry', stage: 'a' });
    expect(h.state.status).toBe('running');
    const secondDeploy = h.pending('deploy').opId;
    expect(firstDeploy).toBe('r1/a#1/deploy/deploy');
    expect(secondDeploy).toBe('r1/a#2/deploy/deploy');
    completeCanary(h, 'a');
    expect(h.state.status).toBe('succeeded');
  });

  it('holds progress while paused and replays it on resume', () => {
    const h = harness({ name: 'x', version: '2', stages: [canary('a')] });
    h.ok('deploy');
    h.send({ type: 'pause', subject: 'ops', reason: 'incident elsewhere' });
    expect(h.state.status).toBe('paused');
    const r = h.ok('set_traffic');
    expect(r.commands).toEqual([]);
    expect(r.notes).toEqual(['run is paused; command_result held until resume']);
    expect(h.state.deferred).toHaveLength(1);
    expect(waitingFor(h.state)[0]).toBe('run paused: incident elsewhere; resume to continue');
    const resumed = h.send({ type: 'resume' });
    expect(h.state.status).toBe('running');
    expect(resumed.commands.some((c) => c.kind === 'schedule_timer')).toBe(true);
    expect(h.stage('a').weight).toBe(50);
  });

  it('aborts by rolling back everything that acted', () => {
    const h = harness({ name: 'x', version: '2', stages: [canary('a'), canary('b', ['a'])] });
    h.ok('deploy');
    h.send({ type: 'abort', subject: 'ops', reason: 'wrong build' });
    expect(h.stage('b').status).toBe('cancelled');
    expect(h.state.status).toBe('rolling_back');
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.state.status).toBe('aborted');
    expect(h.state.reason).toBe('wrong build');
  });

  it('emergency rolls back; watchdog fails the run after max_duration_hours', () => {
    const e = harness({ name: 'x', version: '2', stages: [canary('a')] });
    e.send({ type: 'emergency', reason: 'kill switch' });
    e.ok('set_traffic');
    e.ok('retire');
    expect(e.state.status).toBe('rolled_back');

    const w = harness({
      name: 'x',
      version: '2',
      max_duration_hours: 1,
      stages: [canary('a', [], { gates: [{ type: 'manual', required_approvers: ['boss'] }] })],
    });
    const timer = Object.entries(w.state.timers).find(([, t]) => t.owner === 'watchdog');
    if (!timer) throw new Error('expected a watchdog timer');
    w.send({ type: 'timer_fired', timerId: timer[0] }, timer[1].dueAt);
    expect(w.state.status).toBe('failed');
    expect(w.state.reason).toBe('max_duration_hours (1h) exceeded');
  });

  it('never leaves a terminal state', () => {
    const h = harness({ name: 'x', version: '2', stages: [canary('a')] });
    h.send({ type: 'abort' });
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.state.status).toBe('aborted');
    for (const ev of [
      { type: 'resume' },
      { type: 'retry', stage: 'a' },
      { type: 'run_started', startedBy: 'x' },
    ] as const) {
      const r = h.send(ev);
      expect(r.state.status).toBe('aborted');
      expect(r.commands).toEqual([]);
    }
  });

  it('aborting a run that never started cancels it without commands', () => {
    const plan = parsePlan({ name: 'x', version: '2', stages: [canary('a')] });
    const r = transition(newRun('r', plan), { type: 'abort' }, T0);
    expect(r.state.status).toBe('aborted');
    expect(r.commands).toEqual([]);
  });

  it('validates events and names the bad field', () => {
    expect(() => parseEvent({ type: 'approve', stage: 'a' })).toThrow(/subject: is required/);
    try {
      parseEvent({ type: 'aprove' });
      expect.unreachable();
    } catch (e) {
      expect(isSluiceError(e, 'ROLLOUT_EVENT_INVALID')).toBe(true);
      if (isSluiceError(e)) expect(e.fields[0]?.message).toContain('did you mean `approve`?');
    }
    expect(parseEvent({ type: 'watchdog' })).toEqual({ type: 'watchdog', schemaVersion: 1 });
  });
});
