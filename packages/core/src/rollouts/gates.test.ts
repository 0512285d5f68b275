import { describe, expect, it } from 'vitest';
import { insideWindow, nextWindowStart, wallClock } from './schedule.js';
import { harness, T0 } from './test-support/harness.js';

const stageWith = (gates: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'g',
  version: '2.0.0',
  stages: [
    {
      name: 'web',
      strategy: 'canary',
      config: { app_name: 'web', initial_weight: 100, interval_seconds: 60, monitor_duration_minutes: 0 },
      gates,
      ...extra,
    },
  ],
});

describe('manual gates', () => {
  const manual = { type: 'manual', required_approvers: ['product_manager', 'engineering_lead'] };

  it('waits, visibly, for every required approver and records who approved', () => {
    const h = harness(stageWith([manual]));
    expect(h.stage('web').status).toBe('gating');
    expect(h.stage('web').waitingFor).toBe('approval from product_manager, engineering_lead');
    expect(h.log.some((c) => c.kind === 'deploy')).toBe(false);
    h.send({ type: 'approve', stage: 'web', subject: 'pat', roles: ['product_manager'] }, T0 + 60_000);
    expect(h.stage('web').waitingFor).toBe('approval from engineering_lead');
    h.send(
      { type: 'approve', stage: 'web', subject: 'lee', roles: ['engineering_lead'], comment: 'lgtm' },
      T0 + 120_000,
    );
    expect(h.stage('web').status).toBe('running');
    const passed = h.last.transitions.find((t) => t.reason.includes('passed'));
    expect(passed?.reason).toContain('approved by pat as product_manager, lee as engineering_lead');
    expect(h.pending('deploy').kind).toBe('deploy');
  });

  it('refuses self-approval, double approval by one subject, and strangers', () => {
    const h = harness(stageWith([manual]), { startedBy: 'pat' });
    let r = h.send({ type: 'approve', stage: 'web', subject: 'pat', roles: ['product_manager'] });
    expect(r.notes).toEqual(['pat started this run and cannot approve it']);
    r = h.send({
      type: 'approve',
      stage: 'web',
      subject: 'kim',
      roles: ['product_manager', 'engineering_lead'],
    });
    expect(h.stage('web').gate?.approvals).toHaveLength(1);
    r = h.send({ type: 'approve', stage: 'web', subject: 'kim', roles: ['engineering_lead'] });
    expect(r.notes).toEqual(['kim has already approved']);
    r = h.send({ type: 'approve', stage: 'web', subject: 'sam', roles: ['intern'] });
    expect(r.notes[0]).toMatch(/sam holds none of the roles still needed \(engineering_lead\)/);
    expect(h.stage('web').status).toBe('gating');
  });

  it('accepts self-approval when allowed', () => {
    const h = harness(
      stageWith([{ type: 'manual', required_approvers: ['release_manager'], allow_self_approval: true }]),
      {
        startedBy: 'pat',
      },
    );
    h.send({ type: 'approve', stage: 'web', subject: 'pat', roles: ['release_manager'] });
    expect(h.stage('web').status).toBe('running');
  });

  describe('L5: approvers match roles only, never subjects', () => {
    it('does not let a subject spelt like a role approve without the role', () => {
      const h = harness(stageWith([manual]));
      const r = h.send({ type: 'approve', stage: 'web', subject: 'product_manager', roles: [] });
      expect(r.notes[0]).toMatch(/product_manager holds none of the roles still needed/);
      expect(h.stage('web').status).not.toBe('running');
      h.send({ type: 'approve', stage: 'web', subject: 'pat', roles: ['product_manager'] });
      h.send({ type: 'approve', stage: 'web', subject: 'lee', roles: ['engineering_lead'] });
      expect(h.stage('web').status).toBe('running');
    });
  });

  it('cannot be skipped by promote, even as an exit gate', () => {
    const h = harness(stageWith([{ ...manual, when: 'after' }]));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('web');
    expect(h.stage('web').status).toBe('verifying');
    const r = h.send({ type: 'promote', subject: 'ops' });
    expect(r.notes[0]).toMatch(
      /cannot be promoted while verifying \(approval from product_manager, engineering_lead\)/,
    );
    expect(h.stage('web').status).toBe('verifying');
  });

  it('fails the stage on reject, with the reason', () => {
    const h = harness(stageWith([manual]));
    h.send({ type: 'reject', stage: 'web', subject: 'lee', reason: 'not during the sale' });
    expect(h.stage('web').error).toBe('rejected by lee: not during the sale');
    // Nothing acted, so nothing to roll back: the run simply failed.
    expect(h.state.status).toBe('failed');
    expect(h.log.some((c) => c.kind === 'deploy' || c.kind === 'set_traffic')).toBe(false);
  });

  it('times out (a reject) only when timeout_minutes is given', () => {
    const h = harness(stageWith([{ ...manual, timeout_minutes: 60 }]));
    h.fire('web');
    expect(h.now - T0).toBe(3_600_000);
    expect(h.stage('web').error).toBe('approval gate timed out after 1h');
    const waiting = harness(stageWith([manual]));
    expect(Object.values(waiting.state.timers).filter((t) => t.stage === 'web')).toHaveLength(0);
  });
});

describe('scheduled gates', () => {
  const window = {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '09:00',
    end: '16:00',
    timezone: 'Europe/Madrid',
  };

  it('reads wall-clock time in a zone', () => {
    expect(wallClock(Date.UTC(2026, 0, 5, 8, 30), 'Europe/Madrid')).toEqual({ day: 'mon', time: '09:30' });
    expect(wallClock(Date.UTC(2026, 6, 6, 8, 30), 'Europe/Madrid')).toEqual({ day: 'mon', time: '10:30' });
    expect(insideWindow(Date.UTC(2026, 0, 5, 15, 0), { ...window, days: ['mon'] })).toBe(false);
  });

  it('finds the next opening across a weekend and DST', () => {
    const saturday = Date.UTC(2026, 0, 10, 12, 0);
    expect(nextWindowStart(saturday, { ...window, days: ['mon', 'tue', 'wed', 'thu', 'fri'] })).toBe(
      Date.UTC(2026, 0, 12, 8, 0),
    );
    // Summer time: 09:00 in Madrid is 07:00 UTC.
    expect(
      nextWindowStart(Date.UTC(2026, 6, 4, 12, 0), { ...window, days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    ).toBe(Date.UTC(2026, 6, 6, 7, 0));
  });

  it('holds the stage until the window opens', () => {
    const saturday = Date.UTC(2026, 0, 10, 12, 0);
    const h = harness(stageWith([{ type: 'scheduled', schedule: window }]), { now: saturday });
    expect(h.stage('web').waitingFor).toBe('scheduled gate: waiting until 2026-01-12T08:00:00.000Z');
    h.fire('web');
    expect(h.now).toBe(Date.UTC(2026, 0, 12, 8, 0));
    expect(h.stage('web').status).toBe('running');
  });

  it('honours not_before and the seed alias conditions.schedule_time', () => {
    const at = '2026-01-05T12:00:00Z';
    for (const gate of [
      { type: 'scheduled', not_before: at },
      { type: 'scheduled', conditions: { schedule_time: at } },
    ]) {
      const h = harness(stageWith([gate]));
      h.fire('web');
      expect(h.now).toBe(Date.parse(at));
      expect(h.stage('web').status).toBe('running');
    }
  });

  it('passes at once inside the window', () => {
    const h = harness(stageWith([{ type: 'scheduled', schedule: window }]), {
      now: Date.UTC(2026, 0, 5, 10, 0),
    });
    expect(h.stage('web').status).toBe('running');
  });
});

describe('metric and automatic gates', () => {
  const metricGate = {
    type: 'metric_based',
    metrics: ['error_rate'],
    thresholds: { error_rate: 1 },
    window: '10m',
  };

  const acted = (gates: unknown[]) => {
    const h = harness(stageWith(gates));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('web');
    return h;
  };

  it('is an exit gate by default and measures over its window', () => {
    const h = acted([metricGate]);
    expect(h.stage('web').status).toBe('verifying');
    expect(h.pending('measure')).toMatchObject({
      windowSeconds: 600,
      target: { app: 'web', role: 'canary' },
    });
    h.measure({ error_rate: 0.5 });
    expect(h.stage('web').status).toBe('finishing');
  });

  it('without data re-measures, then fails after the 30 minute default', () => {
    const h = acted([metricGate]);
    const entered = h.now;
    h.measure({});
    while (h.stage('web').status === 'verifying') {
      h.fire('web');
      if (h.hasPending('measure', 'web')) h.measure({});
    }
    expect(h.now - entered).toBe(30 * 60_000);
    expect(h.stage('web').status).toBe('rolling_back');
    expect(h.stage('web').error).toBe('metrics gate timed out after 30m: error_rate: no measurement');
  });

  it('promote skips a metric exit gate and cancels its timers', () => {
    const h = acted([metricGate]);
    h.measure({});
    expect(h.timers('web').length).toBeGreaterThan(0);
    h.send({ type: 'promote', subject: 'ops' });
    expect(h.stage('web').status).toBe('finishing');
    expect(h.timers('web')).toEqual([]);
    expect(h.last.commands.filter((c) => c.kind === 'cancel_timer').length).toBeGreaterThan(0);
  });

  it('fails at once on a bad value', () => {
    const h = acted([metricGate]);
    h.measure({ error_rate: 7 });
    expect(h.stage('web').error).toBe('metric_based gate: metrics failed: error_rate = 7% is above 1%');
  });

  it('automatic passes without thresholds and judges with them; when overrides the place', () => {
    expect(acted([{ type: 'automatic' }]).stage('web').status).toBe('finishing');
    const before = harness(stageWith([{ ...metricGate, when: 'before' }]));
    expect(before.stage('web').status).toBe('gating');
    before.measure({ error_rate: 0.1 });
    expect(before.stage('web').status).toBe('running');
  });
});
