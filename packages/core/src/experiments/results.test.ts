import { describe, expect, it } from 'vitest';
import { SEED } from '../stats/test-support/random.js';
import {
  type AggregateDelta,
  type ArmAggregate,
  applyUserChange,
  mergeAggregates,
  type UserState,
} from './aggregates.js';
import { experimentResults } from './results.js';
import { type ExperimentSpec, ExperimentSpecSchema } from './schema.js';
import { simulateRun } from './test-support/simulation.js';

const DAY = 86_400_000;
const KEY = 'checkout-flow-redesign';
const spec: ExperimentSpec = ExperimentSpecSchema.parse({
  status: 'active',
  traffic_split: { control: 50, variant_a: 50 },
  metrics: { primary: 'conversion_rate', secondary: ['cart_abandonment'] },
  duration_days: 7,
  min_sample_size: 8000,
});
const rates = { control: 0.3, variant_a: 0.33 }; // a true 10 % relative lift

/** Feeds the simulated users day by day into aggregates and reads the results after each day. */
function run(lose?: { arm: string; share: number }) {
  const users = simulateRun({ key: KEY, spec, users: 20_000, days: 14, rates, seed: SEED, lose });
  let aggregates = new Map<string, ArmAggregate>();
  const looks = [];
  for (let day = 0; day < 14; day++) {
    const delta: AggregateDelta = new Map();
    for (const u of users.filter((x) => x.day === day && x.exposed)) {
      const after: UserState = { arm: u.arm, events: u.converted ? { conversion: [1, 0] } : {} };
      applyUserChange(delta, null, after);
    }
    aggregates = mergeAggregates(aggregates, delta);
    looks.push(experimentResults({ key: KEY, spec, aggregates, startedAt: 0, now: (day + 1) * DAY }));
  }
  return looks;
}

describe('a simulated run: 20,000 users, a true 10 % lift', () => {
  const looks = run();

  it(`ships variant_a only once min_sample_size and duration_days are met (seed ${SEED})`, () => {
    for (const r of looks) {
      const ready = r.sampleSize.smallestArm >= 8000 && r.daysRunning >= 7;
      if (!ready) expect(r.verdict.decision).toBe('keep_running');
    }
    const last = looks.at(-1)!;
    expect(last.verdict).toMatchObject({ decision: 'ship', arm: 'variant_a' });
    // some look before the minimums already had the evidence, and still did not ship
    const early = looks.filter((r) => r.sampleSize.smallestArm < 8000);
    expect(early.some((r) => (r.metrics[0]!.comparisons[0]!.sequentialPValueAdjusted ?? 1) < 0.05)).toBe(
      true,
    );
  });

  it('has intervals that cover the true lift', () => {
    const c = looks.at(-1)!.metrics[0]!.comparisons[0]!;
    expect(c.ci![0]).toBeLessThan(0.03);
    expect(c.ci![1]).toBeGreaterThan(0.03);
    expect(c.relativeCi![0]).toBeLessThan(0.1);
    expect(c.relativeCi![1]).toBeGreaterThan(0.1);
    expect(c.sequentialCi![0]).toBeLessThan(0.03);
    expect(c.sequentialCi![1]).toBeGreaterThan(0.03);
    expect(c.chanceToBeatControl).toBeGreaterThan(0.99);
  });

  it('counts users so far and users needed', () => {
    const last = looks.at(-1)!;
    expect(last.sampleSize.users).toBe(20_000);
    expect(last.arms.map((a) => a.users).reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(last.srm.mismatch).toBe(false);
    expect(last.sampleSize.neededPerArm).toBeGreaterThan(2000);
  });
});

describe('the same run with 8 % of variant_a exposures lost', () => {
  const looks = run({ arm: 'variant_a', share: 0.08 });

  it('flags the sample ratio mismatch, voids the results and never ships', () => {
    for (const r of looks) expect(r.verdict.decision).not.toBe('ship');
    const last = looks.at(-1)!;
    expect(last.srm.mismatch).toBe(true);
    expect(last.verdict.decision).toBe('stop');
    expect(last.verdict.reason).toMatch(/sample ratio mismatch .*void/);
  });
});

describe('no true effect', () => {
  it('does not ship, and stops once an effect of the MDE is ruled out', () => {
    const flat = { control: 0.3, variant_a: 0.3 };
    const users = simulateRun({ key: KEY, spec, users: 60_000, days: 14, rates: flat, seed: SEED + 1 });
    const delta: AggregateDelta = new Map();
    for (const u of users)
      applyUserChange(delta, null, { arm: u.arm, events: u.converted ? { conversion: [1, 0] } : {} });
    const r = experimentResults({
      key: KEY,
      spec,
      aggregates: mergeAggregates(new Map(), delta),
      startedAt: 0,
      now: 14 * DAY,
    });
    expect(r.verdict.decision).toBe('stop');
    expect(r.verdict.reason).toMatch(/no arm moves conversion_rate/);
  });
});
