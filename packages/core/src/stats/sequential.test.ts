import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type SequentialState,
  sequential,
  sequentialStart,
  sequentialUpdate,
  sequentialUpdateUnchecked,
} from './sequential.js';
import { ARITHMETIC, expectClose, expectInterval, type Vector, vectors } from './test-support/close.js';
import { SEED } from './test-support/random.js';

const arm = (users: number, conversions: number) => ({ users, conversions });

/** Cumulative snapshots built from per-look increments. */
const cumulative = fc
  .array(
    fc.record({
      users: fc.integer({ min: 1, max: 2000 }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    {
      minLength: 1,
      maxLength: 30,
    },
  )
  .chain((steps) =>
    fc.constant(
      steps.reduce<{ control: ReturnType<typeof arm>; treatment: ReturnType<typeof arm> }[]>((acc, s, i) => {
        const prev = acc[i - 1] ?? { control: arm(0, 0), treatment: arm(0, 0) };
        const c = Math.round(s.users * 0.1);
        const t = Math.round(s.users * s.share * 0.3);
        acc.push({
          control: arm(prev.control.users + s.users, prev.control.conversions + c),
          treatment: arm(prev.treatment.users + s.users, prev.treatment.conversions + t),
        });
        return acc;
      }, []),
    ),
  );

describe('sequential (mSPRT)', () => {
  it('matches the formulas of Johari, Pekelis & Walsh (2022) computed in Python, on 12 runs', () => {
    for (const [i, v] of (vectors.sequential as Vector[]).entries()) {
      const r = sequential(v.input);
      expect(r.snapshots).toHaveLength(v.expected.snapshots.length);
      for (const [k, look] of r.snapshots.entries()) {
        const e = v.expected.snapshots[k];
        expectClose(look.difference, e.difference, ARITHMETIC, `#${i}/${k} difference`, 1e-12);
        expectClose(look.pValue, e.pValue, ARITHMETIC, `#${i}/${k} pValue`);
        expectInterval(look.ci, e.ci, ARITHMETIC, `#${i}/${k} ci`);
        expect(look.rejected).toBe(e.rejected);
      }
    }
  });

  it('p never rises, the interval only narrows, and p ≤ α exactly when 0 has left the interval', () => {
    fc.assert(
      fc.property(cumulative, fc.constantFrom(1e-5, 1e-4, 1e-3), (snapshots, tau2) => {
        const looks = sequential({ metric: 'proportion', tau2, snapshots }).snapshots;
        looks.forEach((look, k) => {
          const prev = looks[k - 1];
          if (prev) expect(look.pValue).toBeLessThanOrEqual(prev.pValue);
          if (prev?.ci && look.ci) {
            expect(look.ci[0]).toBeGreaterThanOrEqual(prev.ci[0]);
            expect(look.ci[1]).toBeLessThanOrEqual(prev.ci[1]);
          }
          if (look.ci) expect(look.rejected).toBe(look.ci[0] > 0 || look.ci[1] < 0);
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('one look at a time (state through JSON) gives what the batch gives', () => {
    fc.assert(
      fc.property(cumulative, (snapshots) => {
        const batch = sequential({ metric: 'proportion', tau2: 1e-4, confidence: 0.9, snapshots }).snapshots;
        let state: SequentialState = sequentialStart();
        snapshots.forEach((snapshot, k) => {
          const r = sequentialUpdate(JSON.parse(JSON.stringify(state)), snapshot, {
            metric: 'proportion',
            tau2: 1e-4,
            confidence: 0.9,
          });
          state = r.state;
          expect(r.look).toEqual(batch[k]);
        });
        expect(state.looks).toBe(snapshots.length);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('works on means too, and a clear effect is found', () => {
    const snapshot = (n: number) => ({
      control: { n, mean: 10, variance: 4 },
      treatment: { n, mean: 10.5, variance: 4 },
    });
    const r = sequential({
      metric: 'mean',
      tau2: 0.25,
      snapshots: [snapshot(50), snapshot(200), snapshot(1000)],
    });
    // z is 1.8 at 50 users per arm, 5.6 at 1,000: the mixture needs more than a fixed test would.
    expect(r.snapshots[0]?.rejected).toBe(false);
    expect(r.snapshots[2]?.rejected).toBe(true);
    expect(r.snapshots[2]?.ci?.[0]).toBeGreaterThan(0);
  });

  it('looks without information leave p at 1 and the interval null, with a reason', () => {
    const r = sequential({
      metric: 'proportion',
      tau2: 1e-4,
      snapshots: [
        { control: arm(0, 0), treatment: arm(0, 0) },
        { control: arm(100, 0), treatment: arm(100, 0) },
        { control: arm(200, 10), treatment: arm(200, 12) },
      ],
    });
    expect(r.snapshots[0]).toMatchObject({ difference: null, pValue: 1, ci: null, rejected: false });
    expect(r.snapshots[0]?.reason).toContain('no users');
    expect(r.snapshots[1]).toMatchObject({ difference: 0, pValue: 1, ci: null });
    expect(r.snapshots[1]?.reason).toContain('no variance');
    expect(r.snapshots[2]?.ci).not.toBeNull();
    expect(r.snapshots[2]?.reason).toBeUndefined();
  });

  it('says so when the looks contradict each other (the interval would be empty)', () => {
    const r = sequential({
      metric: 'mean',
      tau2: 1,
      snapshots: [
        { control: { n: 10_000, mean: 0, variance: 1 }, treatment: { n: 10_000, mean: 1, variance: 1 } },
        { control: { n: 20_000, mean: 0, variance: 1 }, treatment: { n: 20_000, mean: -1, variance: 1 } },
      ],
    });
    expect(r.snapshots[1]).toMatchObject({ ci: null, rejected: true });
    expect(r.snapshots[1]?.reason).toContain('empty');
  });

  it('refuses snapshots that are not cumulative, naming the field', () => {
    expect(() =>
      sequential({
        metric: 'proportion',
        tau2: 1e-4,
        snapshots: [
          { control: arm(100, 10), treatment: arm(100, 10) },
          { control: arm(90, 10), treatment: arm(200, 20) },
        ],
      }),
    ).toThrow(/snapshots\[1\]\.control\.users: is below the previous snapshot's 100/);
  });
});

describe('sequentialUpdateUnchecked', () => {
  it('answers exactly as sequentialUpdate on valid input', () => {
    let a = sequentialStart();
    let b = sequentialStart();
    const options = { metric: 'proportion' as const, tau2: 1e-4, confidence: 0.99 };
    for (let i = 1; i <= 50; i++) {
      const snapshot = {
        control: { users: 100 * i, conversions: 5 * i },
        treatment: { users: 100 * i, conversions: 7 * i },
      };
      const x = sequentialUpdate(a, snapshot, options);
      const y = sequentialUpdateUnchecked(b, snapshot, options);
      expect(y).toEqual(x);
      a = x.state;
      b = y.state;
    }
  });
});
