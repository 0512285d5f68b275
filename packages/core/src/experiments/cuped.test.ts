/**
 * CUPED through the aggregates: users' pre-period tallies and events, added and changed one by
 * one, give the same adjusted comparison as `cuped` over the raw per-user values.
 */
import { describe, expect, it } from 'vitest';
import { cuped, cupedMoments } from '../stats/index.js';
import { ARITHMETIC, expectClose } from '../stats/test-support/close.js';
import { rng, SEED } from '../stats/test-support/random.js';
import {
  type AggregateDelta,
  type ArmAggregate,
  applyUserChange,
  type EventTally,
  mergeAggregates,
  type UserState,
} from './aggregates.js';
import { experimentResults } from './results.js';
import { type ExperimentSpec, ExperimentSpecSchema } from './schema.js';

const spec: ExperimentSpec = ExperimentSpecSchema.parse({
  status: 'active',
  traffic_split: { control: 50, treatment: 50 },
  metrics: {
    primary: 'pages',
    secondary: ['revenue', 'converted', 'order_value'],
    definitions: {
      pages: { kind: 'count', event: 'page_view' },
      revenue: { kind: 'sum', event: 'purchase' },
      converted: { kind: 'conversion', event: 'purchase' },
      order_value: { kind: 'mean', event: 'purchase' },
    },
  },
  duration_days: 7,
  min_sample_size: 100,
  cuped: { pre_period_days: 14 },
});

interface SimUser {
  arm: string;
  pre: Record<string, EventTally> | null;
  events: Record<string, EventTally>;
}

/** Users whose activity after exposure follows their activity before (and +20 % in treatment). */
function users(seed: number, n: number): SimUser[] {
  const r = rng(seed);
  const poisson = (mean: number) => {
    let k = 0;
    for (let p = Math.exp(-mean), u = r.next(), cdf = p; u > cdf; cdf += p) p *= mean / ++k;
    return k;
  };
  return Array.from({ length: n }, (_, i) => {
    const arm = i % 2 === 0 ? 'control' : 'treatment';
    const activity = Math.exp(r.normal());
    const views = poisson(3 * activity);
    const buys = poisson(0.3 * activity);
    const tally = (c: number, price: number): EventTally => [c, c * price];
    const lift = arm === 'treatment' ? 1.2 : 1;
    const pre: Record<string, EventTally> = {};
    if (views) pre.page_view = tally(views, 0);
    if (buys) pre.purchase = tally(buys, 20 + 5 * r.next());
    const events: Record<string, EventTally> = {};
    const views2 = poisson(3 * activity * lift);
    const buys2 = poisson(0.3 * activity * lift);
    if (views2) events.page_view = tally(views2, 0);
    if (buys2) events.purchase = tally(buys2, 20 + 5 * r.next());
    return { arm, pre, events };
  });
}

function aggregate(list: SimUser[]): Map<string, ArmAggregate> {
  const delta: AggregateDelta = new Map();
  for (const u of list) applyUserChange(delta, null, { arm: u.arm, events: u.events, pre: u.pre });
  return mergeAggregates(new Map(), delta);
}

/** The comparison computed directly from per-user values (x before, y after). */
function direct(list: SimUser[], value: (t: EventTally | undefined) => number) {
  const moments = (name: string, pick: (u: SimUser) => [number, number]) => {
    const pairs = list.filter((u) => u.arm === name).map(pick);
    let [sumX, sumXX, sumY, sumYY, sumXY] = [0, 0, 0, 0, 0];
    for (const [x, y] of pairs) {
      sumX += x;
      sumXX += x * x;
      sumY += y;
      sumYY += y * y;
      sumXY += x * y;
    }
    return cupedMoments({ n: pairs.length, sumX, sumXX, sumY, sumYY, sumXY })!;
  };
  return (event: string) => {
    const pick = (u: SimUser): [number, number] => [value(u.pre?.[event]), value(u.events[event])];
    return cuped({ control: moments('control', pick), treatment: moments('treatment', pick) });
  };
}

const at = { key: 'cuped', spec, startedAt: 0, now: 8 * 86_400_000 };

describe('CUPED in experiment results', () => {
  const list = users(SEED, 2000);
  const results = experimentResults({ ...at, aggregates: aggregate(list) });
  const byName = (name: string) => results.metrics.find((m) => m.name === name)!.comparisons[0]!;

  it('count, sum and conversion metrics match cuped over the raw per-user values', () => {
    for (const [metric, event, value] of [
      ['pages', 'page_view', (t?: EventTally) => t?.[0] ?? 0],
      ['revenue', 'purchase', (t?: EventTally) => t?.[1] ?? 0],
      ['converted', 'purchase', (t?: EventTally) => ((t?.[0] ?? 0) > 0 ? 1 : 0)],
    ] as const) {
      const expected = direct(list, value)(event);
      const got = byName(metric).cuped!;
      expectClose(got.theta, expected.theta, ARITHMETIC, `${metric} theta`, 1e-9);
      expectClose(got.absoluteLift, expected.difference, ARITHMETIC, `${metric} lift`, 1e-9);
      expectClose(got.controlMean, expected.controlMean, ARITHMETIC, `${metric} control`, 1e-9);
      expectClose(got.varianceReduction, expected.varianceReduction, 1e-7, `${metric} reduction`, 1e-9);
      expect(got.pValue, metric).not.toBeNull();
      // the covariate follows each user's activity, so it explains part of the variance
      expect(got.varianceReduction!, metric).toBeGreaterThan(0.02);
      // and the unadjusted comparison is still there, beside it
      expect(byName(metric).absoluteLift, metric).not.toBeNull();
    }
  });

  it('says why for the kinds it does not adjust', () => {
    expect(byName('order_value').cuped).toMatchObject({ theta: null, absoluteLift: null });
    expect(byName('order_value').cuped?.reason).toContain('not mean');
  });

  it('gives the same sums when users change one event at a time', () => {
    const delta: AggregateDelta = new Map();
    for (const u of list) {
      let state: UserState = { arm: null, events: {} };
      // events before the exposure wait on the row; then the exposure brings the pre-period
      for (const [name, tally] of Object.entries(u.events)) {
        const next = { ...state, events: { ...state.events, [name]: tally } };
        applyUserChange(delta, state, next);
        state = next;
      }
      const exposed: UserState = { ...state, arm: u.arm, pre: u.pre };
      applyUserChange(delta, state, exposed);
    }
    const stepwise = experimentResults({ ...at, aggregates: mergeAggregates(new Map(), delta) });
    const c = stepwise.metrics[0]!.comparisons[0]!.cuped!;
    const once = byName('pages').cuped!;
    expectClose(c.absoluteLift, once.absoluteLift, ARITHMETIC, 'lift', 1e-9);
    expectClose(c.theta, once.theta, ARITHMETIC, 'theta', 1e-9);
    expectClose(c.varianceReduction, once.varianceReduction, 1e-7, 'reduction', 1e-9);
  });

  it('reports no CUPED for users exposed before it was on, and none without `cuped`', () => {
    const mixed = aggregate(list.map((u, i) => (i === 0 ? { ...u, pre: null } : u)));
    const r = experimentResults({ ...at, aggregates: mixed });
    expect(r.metrics[0]!.comparisons[0]!.cuped?.reason).toContain('exposed before CUPED was on');
    const { cuped: _, ...off } = spec;
    const plain = experimentResults({ ...at, spec: off, aggregates: aggregate(list) });
    expect(plain.metrics[0]!.comparisons[0]!.cuped).toBeNull();
  });
});
