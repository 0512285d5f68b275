import { describe, expect, it } from 'vitest';
import { sampleSize } from './sample-size.js';
import { type Vector, vectors } from './test-support/close.js';

describe('sample-size', () => {
  it("gives exactly the rounded-up value of Evan Miller's formula (scipy quantiles) on 36 vectors", () => {
    for (const [i, v] of (vectors.sampleSize as Vector[]).entries()) {
      expect(sampleSize(v.input).usersPerVariant, `#${i} raw ${v.expected.raw}`).toBe(
        v.expected.usersPerVariant,
      );
    }
  });

  it("agrees with Evan Miller's calculator page, which rounds to the nearest user", () => {
    // Page defaults (20 %, 5 points absolute, α 5 %, power 80 %) show 1,030: the formula gives
    // 1030.2, which we round up. 10 % with a 20 % relative effect shows 3,623 (3622.6).
    expect(sampleSize({ baselineRate: 0.2, minimumDetectableEffect: 0.05, effectType: 'absolute' })).toEqual({
      usersPerVariant: 1031,
      absoluteEffect: 0.05,
    });
    const relative = sampleSize({ baselineRate: 0.1, minimumDetectableEffect: 0.2, effectType: 'relative' });
    expect(relative.usersPerVariant).toBe(3623);
    expect(relative.absoluteEffect).toBeCloseTo(0.02, 15);
  });

  it('needs more users for more power, a smaller alpha or a smaller effect', () => {
    const base = { baselineRate: 0.1, minimumDetectableEffect: 0.01, effectType: 'absolute' as const };
    const n = sampleSize(base).usersPerVariant;
    expect(sampleSize({ ...base, power: 0.9 }).usersPerVariant).toBeGreaterThan(n);
    expect(sampleSize({ ...base, alpha: 0.01 }).usersPerVariant).toBeGreaterThan(n);
    expect(sampleSize({ ...base, minimumDetectableEffect: 0.005 }).usersPerVariant).toBeGreaterThan(n);
  });
});
