import { describe, expect, it } from 'vitest';
import { srm } from './srm.js';
import { ARITHMETIC, expectClose, PROBABILITY, type Vector, vectors } from './test-support/close.js';

describe('srm', () => {
  it('matches scipy.stats.chisquare on 40 vectors (the first 10 also checked against R chisq.test)', () => {
    expect(vectors.generatedBy.R?.agreed.srm).toBe(10);
    for (const [i, v] of (vectors.srm as Vector[]).entries()) {
      const r = srm(v.input);
      const e = v.expected;
      for (const [k, x] of r.expectedCounts.entries()) {
        expectClose(x, e.expectedCounts[k], ARITHMETIC, `#${i} expected[${k}]`);
      }
      expectClose(r.chiSquare, e.chiSquare, ARITHMETIC, `#${i} chiSquare`);
      expect(r.df).toBe(e.df);
      expectClose(r.pValue, e.pValue, PROBABILITY, `#${i} pValue`);
      expect(r.mismatch).toBe(e.pValue < 0.001);
    }
  });

  it("reproduces Mendel's peas: 315, 108, 101, 32 against 9:3:3:1 gives χ² = 0.470, p = 0.925", () => {
    const r = srm({ observed: [315, 108, 101, 32], weights: [9, 3, 3, 1] });
    expect(r.chiSquare?.toFixed(3)).toBe('0.470');
    expect(r.df).toBe(3);
    expect(r.pValue?.toFixed(3)).toBe('0.925');
    expect(r.mismatch).toBe(false);
  });

  it('flags a 50/50 split that came out 50,000 / 51,000 (p ≈ 0.0017 is not yet a mismatch; 52,000 is)', () => {
    const near = srm({ observed: [50000, 51000], weights: [1, 1] });
    expect(near.pValue).toBeGreaterThan(0.001);
    expect(near.mismatch).toBe(false);
    const far = srm({ observed: [50000, 52000], weights: [1, 1] });
    expect(far.pValue).toBeLessThan(1e-9);
    expect(far.mismatch).toBe(true);
  });

  it('keeps the digits of tiny p-values (upper tail, not 1 − cdf)', () => {
    const r = srm({ observed: [10000, 13000], weights: [1, 1] }); // χ² = 391
    expect(r.pValue).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(1e-80);
  });

  it('no users yet: null with a reason, not a mismatch', () => {
    const r = srm({ observed: [0, 0, 0], weights: [1, 1, 2] });
    expect(r).toMatchObject({
      expectedCounts: [0, 0, 0],
      chiSquare: null,
      pValue: null,
      mismatch: false,
      df: 2,
    });
    expect(r.reason).toContain('no users');
  });
});
