import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../commands.js';
import type { RolloutEventInput } from '../events.js';
import { parsePlan } from '../plan/parse.js';
import { isTerminal, type RunState } from '../state.js';
import { T0 } from '../test-support/harness.js';
import { seedPlan } from '../test-support/seed-plan.js';
import { startRun, transition } from './transition.js';

const parallelPlan = {
  name: 'wide',
  version: '9',
  parallel_stages: true,
  stages: [
    {
      name: 'a',
      strategy: 'canary',
      config: {
        app_name: 'a',
        interval_seconds: 60,
        monitor_duration_minutes: 1,
        thresholds: { error_rate: 1 },
      },
    },
    {
      name: 'b',
      strategy: 'shadow',
      config: { app_name: 'b', duration_minutes: 1, thresholds: { error_rate: 1 } },
      gates: [{ type: 'manual', required_approvers: ['lead'] }],
    },
    {
      name: 'c',
      strategy: 'progressive',
      dependencies: ['a', 'b'],
      rollback_on_failure: false,
      config: {
        app_name: 'c',
        steps: [{ setWeight: 30 }, { pause: {} }, { analysis: { thresholds: { error_rate: 1 } } }],
      },
    },
  ],
};

const action = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      pick: fc.nat(),
      // Mostly healthy answers, so runs get deep into the plan before something goes wrong.
      ok: fc.oneof(
        { weight: 12, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      value: fc.oneof(
        { weight: 12, arbitrary: fc.constant(0.1) },
        { weight: 1, arbitrary: fc.constantFrom(5, null, undefined) },
      ),
      prev: fc.oneof(
        { weight: 12, arbitrary: fc.constant(3) },
        { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
      ),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('fire' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('approve' as const),
      pick: fc.nat(),
      subject: fc.constantFrom('alice', 'bob', 'carol', 'dave'),
      role: fc.constantFrom('lead', 'product_manager', 'engineering_lead'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'pause' as const,
        'resume' as const,
        'abort' as const,
        'promote' as const,
        'emergency' as const,
        'watchdog' as const,
        'reject' as const,
        'retry' as const,
        'junk' as const,
      ),
      pick: fc.nat(),
    }),
  },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

function toEvent(
  state: RunState,
  a: Action,
  now: number,
): { event: RolloutEventInput; at: number } | undefined {
  const stages = state.order;
  const stage = stages[a.pick % stages.length] ?? 'x';
  switch (a.kind) {
    case 'answer': {
      const ops = Object.keys(state.pending);
      const opId = ops[a.pick % Math.max(1, ops.length)];
      if (!opId) return undefined;
      const data: Record<string, unknown> = {};
      if (a.value !== undefined)
        data.measurements = ['error_rate', 'latency_p95', 'bounce_rate', 'conversion_rate_drop'].map(
          (metric) => ({ metric, value: a.value, sampleCount: a.value === null ? 0 : 50 }),
        );
      if (a.prev !== undefined) data.previousVersion = a.prev;
      return { event: { type: 'command_result', opId, ok: a.ok, data }, at: now + 1000 };
    }
    case 'fire': {
      // The watchdog has its own action; firing it here would end most runs at the first stage.
      const timers = Object.entries(state.timers).filter(([, t]) => t.owner !== 'watchdog');
      const t = timers[a.pick % Math.max(1, timers.length)];
      if (!t) return undefined;
      return { event: { type: 'timer_fired', timerId: t[0] }, at: Math.max(now, t[1].dueAt) };
    }
    case 'approve': {
      const gating = stages.filter((n) => state.stages[n]?.status === 'gating');
      const target = gating[a.pick % Math.max(1, gating.length)] ?? stage;
      return {
        event: { type: 'approve', stage: target, subject: a.subject, roles: [a.role] },
        at: now + 1000,
      };
    }
    case 'reject':
      return { event: { type: 'reject', stage, subject: 'carol', reason: 'no' }, at: now + 1000 };
    case 'retry':
    case 'promote':
      return { event: { type: a.kind, stage }, at: now + 1000 };
    case 'junk':
      return { event: { type: 'command_result', opId: `junk-${a.pick}`, ok: true }, at: now + 1000 };
    default:
      return { event: { type: a.kind }, at: now + 1000 };
  }
}

function check(planInput: unknown, actions: Action[]) {
  const plan = parsePlan(planInput);
  let { state, commands } = startRun(plan, { runId: 'p', startedBy: 'alice' }, T0);
  const log: Command[] = [...commands];
  let now = T0;
  for (const a of actions) {
    const next = toEvent(state, a, now);
    if (!next) continue;
    now = next.at;
    const before = state;
    const r = transition(state, next.event, now);
    if (isTerminal(before.status)) {
      expect(r.state).toBe(before);
      expect(r.commands).toEqual([]);
    }
    state = r.state;
    log.push(...r.commands);
    for (const s of Object.values(state.stages)) {
      expect(s.weight).toBeGreaterThanOrEqual(0);
      expect(s.weight).toBeLessThanOrEqual(100);
    }
    for (const c of r.commands) {
      if (c.kind === 'set_traffic') {
        expect(c.weights.stable + c.weights.canary).toBe(100);
        expect(c.weights.canary).toBeGreaterThanOrEqual(0);
        expect(c.weights.canary).toBeLessThanOrEqual(100);
      }
      if (c.kind === 'set_flag') expect(c.percentage).toBeGreaterThanOrEqual(0);
    }
  }
  // Every op id is issued once: replaying a result can never apply a command twice.
  const ids = log.map((c) => c.opId);
  expect(new Set(ids).size).toBe(ids.length);
  // Rollbacks go in reverse topological order.
  const rolled: string[] = [];
  for (const c of log) {
    if (c.opId.includes('/rollback/') && c.stage && !rolled.includes(c.stage)) rolled.push(c.stage);
  }
  const positions = rolled.map((s) => state.order.indexOf(s));
  expect(positions).toEqual([...positions].sort((x, y) => y - x));
  return { rolledBack: rolled.length, terminal: isTerminal(state.status) };
}

describe('state machine properties', () => {
  for (const [name, plan] of [
    ['seed plan', seedPlan],
    ['parallel plan', parallelPlan],
  ] as const) {
    it(`${name}: terminal states are final, weights stay in 0..100, op ids unique, rollback reverse-topological`, () => {
      let multi = 0;
      let terminal = 0;
      fc.assert(
        fc.property(fc.array(action, { minLength: 100, maxLength: 250 }), (actions) => {
          const r = check(plan, actions);
          if (r.rolledBack >= 2) multi++;
          if (r.terminal) terminal++;
        }),
        { numRuns: 300 },
      );
      // The invariants were exercised, not vacuously true.
      expect(multi).toBeGreaterThan(5);
      expect(terminal).toBeGreaterThan(30);
    });
  }
});
