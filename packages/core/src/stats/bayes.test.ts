import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bayes, probabilityGreater } from './bayes.js';
import { logBeta } from './distributions.js';
import { expectClose, PROBABILITY, type Vector, vectors } from './test-support/close.js';
import { SEED } from './test-support/random.js';

/** Evan Miller's sum term by term, every term from ln B: the slow, obviously-right version. */
function fullSum(x: { a: number; b: number }, y: { a: number; b: number }): number {
  let total = 0;
  for (let i = 0; i < x.a; i++) {
    total += Math.exp(
      logBeta(y.a + i, y.b + x.b) - Math.log(x.b + i) - logBeta(1 + i, x.b) - logBeta(y.a, y.b),
    );
  }
  return total;
}

describe('bayes', () => {
  it('matches the exact sums at 40 digits (mpmath), themselves checked by numerical integration', () => {
    for (const [i, v] of (vectors.bayes as Vector[]).entries()) {
      const r = bayes(v.input);
      for (const key of ['chanceToBeatControl', 'expectedLoss', 'expectedLossControl'] as const) {
        // Absolute floor 1e-12: a loss of 1e-7 need not be matched to 1e-13.
        expectClose(r[key], v.expected[key], PROBABILITY, `#${i} ${key}`, 1e-6);
      }
    }
  });

  it('has the closed-form answers of small cases', () => {
    // Two uniform rates: chance ½, and E[max(U₁ − U₂, 0)] = ½·E|U₁ − U₂| = 1/6.
    const flat = bayes({ control: { users: 0, conversions: 0 }, treatment: { users: 0, conversions: 0 } });
    expect(flat.chanceToBeatControl).toBeCloseTo(0.5, 14);
    expect(flat.expectedLoss).toBeCloseTo(1 / 6, 14);
    expect(flat.expectedLossControl).toBeCloseTo(1 / 6, 14);
    // One conversion in one user: Beta(2, 1) against uniform, P = ∫ 2x·x dx = 2/3.
    const one = bayes({ control: { users: 0, conversions: 0 }, treatment: { users: 1, conversions: 1 } });
    expect(one.chanceToBeatControl).toBeCloseTo(2 / 3, 14);
  });

  it('walking out from the largest term gives the full sum, for any whole α', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3000 }),
        (xa, xb, ya, yb) => {
          const walk = probabilityGreater({ a: xa, b: xb }, { a: ya, b: yb });
          const full = fullSum({ a: xa, b: xb }, { a: ya, b: yb });
          expect(Math.abs(walk - full)).toBeLessThanOrEqual(1e-12 + 1e-9 * full);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('is symmetric: chance(T > C) + chance(C > T) = 1, and mirrored rates give the same chance', () => {
    const c = { users: 5000, conversions: 510 };
    const t = { users: 5100, conversions: 570 };
    const forward = bayes({ control: c, treatment: t });
    const backward = bayes({ control: t, treatment: c });
    // ln B of arguments in the thousands carries ~1e-13 of rounding, so 12 digits, not 15.
    expect(forward.chanceToBeatControl + backward.chanceToBeatControl).toBeCloseTo(1, 12);
    expect(forward.expectedLoss).toBeCloseTo(backward.expectedLossControl, 15);
    // Counting non-conversions instead flips who wins; the fractional-α path takes the mirrored sum.
    const flipped = bayes({
      control: { users: c.users, conversions: c.users - c.conversions },
      treatment: { users: t.users, conversions: t.users - t.conversions },
      prior: { alpha: 1, beta: 1 },
    });
    expect(flipped.chanceToBeatControl).toBeCloseTo(1 - forward.chanceToBeatControl, 12);
    const half = bayes({ control: c, treatment: t, prior: { alpha: 0.5, beta: 1 } });
    expect(half.chanceToBeatControl).toBeCloseTo(forward.chanceToBeatControl, 2); // 5,000 users outweigh the prior
  });

  it('stays exact and fast for ten million users per arm', () => {
    const r = bayes({
      control: { users: 10_000_000, conversions: 1_000_000 },
      treatment: { users: 10_000_000, conversions: 1_003_000 },
    });
    // The posteriors are N(0.1, 3e-9) and N(0.1003, 3e-9) to many digits: P ≈ Φ(3e-4 / √(1.8e-8)).
    expect(r.chanceToBeatControl).toBeCloseTo(0.98727, 4);
    expect(r.expectedLoss).toBeGreaterThan(0);
    expect(r.expectedLoss).toBeLessThan(1e-6);
  });
});
