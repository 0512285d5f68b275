import { describe, expect, it } from 'vitest';
import { holm } from './holm.js';
import { ARITHMETIC, expectClose, type Vector, vectors } from './test-support/close.js';

describe('holm', () => {
  it("matches statsmodels multipletests(method='holm') and R's p.adjust on 20 vectors", () => {
    expect(vectors.generatedBy.R?.agreed.holm).toBe(20);
    for (const [i, v] of (vectors.holm as Vector[]).entries()) {
      const r = holm(v.input);
      for (const [k, p] of r.adjusted.entries()) {
        expectClose(p, v.expected.adjusted[k], ARITHMETIC, `#${i} adjusted[${k}]`);
      }
      expect(r.rejected, `#${i}`).toEqual(v.expected.rejected);
    }
  });

  it("reproduces Wikipedia's Holm–Bonferroni example (p = 0.01, 0.04, 0.03, 0.005 at α = 0.05)", () => {
    // Rejects H1 and H4 only; adjusted p-values 0.03, 0.06, 0.06, 0.02.
    const r = holm({ pValues: [0.01, 0.04, 0.03, 0.005] });
    expect(r.adjusted).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(r.rejected).toEqual([true, false, false, true]);
  });

  it('caps at 1, keeps the input order, and honours alpha', () => {
    const r = holm({ pValues: [0.9, 0.001, 0.6], alpha: 0.001 });
    expect(r.adjusted).toEqual([1, 0.003, 1]);
    expect(r.rejected).toEqual([false, false, false]);
    expect(holm({ pValues: [0.04] })).toEqual({ adjusted: [0.04], rejected: [true], alpha: 0.05 });
  });
});
